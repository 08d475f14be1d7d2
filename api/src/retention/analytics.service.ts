import type { DataSource } from 'typeorm';

export type AnalyticsPeriod = 'day' | 'week' | 'month';

export interface AnalyticsQuery {
  from: Date;
  to: Date;
  period: AnalyticsPeriod;
  store: 'stripe' | 'app_store' | null;
  includeTest: boolean;
}

/** Retention analytics over recorded sessions. SKELETON until implemented. */
export class RetentionAnalyticsService {
  constructor(private readonly dataSource: DataSource) {}

  async report(_query: AnalyticsQuery): Promise<never> {
    void this.dataSource;
    throw new Error('not implemented');
  }
}
