/**
 * The REST surface: authentication with any `sk_test_…` key (and `pk_test_…` on the few routes
 * Stripe.js calls), Stripe's form encoding, `Idempotency-Key` replay, errors in Stripe's shape.
 */
import express from 'express';
import { createHash } from 'node:crypto';
import { Ctx } from './context';
import { ApiError } from './errors';
import { FormObject, expandParam, parseForm } from './form';
import { newId } from './ids';

export interface Req {
  params: FormObject;
  path: Record<string, string>;
  auth: 'secret' | 'publishable';
  key: string;
  expand: string[];
}

export type Handler = (req: Req) => unknown;

interface Cached {
  fingerprint: string;
  status: number;
  body: string;
}

const MAX_IDEMPOTENCY_ENTRIES = 10000;

function keyFrom(req: express.Request, params: FormObject): string {
  const h = req.headers.authorization ?? '';
  if (h.startsWith('Bearer ')) return h.slice(7).trim();
  if (h.startsWith('Basic ')) return Buffer.from(h.slice(6), 'base64').toString('utf8').split(':')[0] ?? '';
  return typeof params.key === 'string' ? params.key : '';
}

export function cors(req: express.Request, res: express.Response, next: express.NextFunction): void {
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Stripe-Version, Idempotency-Key');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    res.setHeader('Access-Control-Max-Age', '600');
  }
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
}

export class Api {
  private idempotency = new Map<string, Cached>();

  constructor(
    readonly router: express.Router,
    readonly ctx: Ctx,
  ) {}

  get(path: string, handler: Handler, opts: { publishable?: boolean } = {}): void {
    this.router.get(path, this.wrap(handler, opts));
  }

  post(path: string, handler: Handler, opts: { publishable?: boolean } = {}): void {
    this.router.post(path, this.wrap(handler, opts));
  }

  del(path: string, handler: Handler): void {
    this.router.delete(path, this.wrap(handler, {}));
  }

  private send(res: express.Response, status: number, body: string, requestId: string): void {
    res.status(status);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Request-Id', requestId);
    res.setHeader('Stripe-Version', '2026-10-28.endive');
    res.send(body);
  }

  private wrap(handler: Handler, opts: { publishable?: boolean }): express.RequestHandler {
    return (req, res) => {
      const requestId = newId('req');
      const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
      const rawBody = typeof req.body === 'string' ? req.body : '';
      let status = 200;
      let body: string;
      const idemHeader = req.headers['idempotency-key'];
      const idemKey = typeof idemHeader === 'string' && idemHeader ? idemHeader : null;
      let cacheKey: string | null = null;
      let fingerprint = '';
      try {
        const params = { ...parseForm(rawQuery), ...parseForm(rawBody) };
        const key = keyFrom(req, params);
        let auth: Req['auth'];
        if (/^sk_test_\w+$/.test(key) || /^rk_test_\w+$/.test(key)) auth = 'secret';
        else if (opts.publishable && /^pk_test_\w+$/.test(key)) auth = 'publishable';
        else throw ApiError.unauthorized(key);
        delete params.key;
        if (req.method === 'POST' && idemKey) {
          cacheKey = `${key}\n${idemKey}`;
          fingerprint = createHash('sha256').update(`${req.method} ${req.path}\n${rawBody}`).digest('hex');
          const cached = this.idempotency.get(cacheKey);
          if (cached) {
            if (cached.fingerprint !== fingerprint) {
              throw new ApiError(400, {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
              });
            }
            res.setHeader('Idempotent-Replayed', 'true');
            res.setHeader('Idempotency-Key', idemKey);
            this.send(res, cached.status, cached.body, requestId);
            return;
          }
        }
        this.ctx.request = { id: requestId, idempotency_key: idemKey };
        const path: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.params)) if (typeof v === 'string') path[k] = v;
        const result = handler({ params, path, auth, key, expand: expandParam(params) });
        body = JSON.stringify(result, null, 2);
      } catch (err) {
        if (err instanceof ApiError) {
          status = err.status;
          body = JSON.stringify({ error: { ...err.body, request_log_url: undefined } }, null, 2);
        } else {
          this.ctx.config.log(`error in ${req.method} ${req.path}: ${(err as Error).stack ?? String(err)}`);
          status = 500;
          body = JSON.stringify({ error: { type: 'api_error', message: 'An unknown error occurred in the Stripe sandbox.' } });
          cacheKey = null; // Stripe does not save 500s against the key
        }
      } finally {
        this.ctx.request = null;
      }
      if (cacheKey && status !== 401) {
        if (this.idempotency.size >= MAX_IDEMPOTENCY_ENTRIES) {
          const oldest = this.idempotency.keys().next().value;
          if (oldest !== undefined) this.idempotency.delete(oldest);
        }
        this.idempotency.set(cacheKey, { fingerprint, status, body });
      }
      if (idemKey) res.setHeader('Idempotency-Key', idemKey);
      this.ctx.config.log(`${req.method} ${req.path} → ${status}`);
      this.send(res, status, body, requestId);
    };
  }

  /** 404 for any other /v1 URL, as Stripe answers. */
  fallback(): express.RequestHandler {
    return (req, res) => {
      this.send(
        res,
        404,
        JSON.stringify(
          {
            error: {
              type: 'invalid_request_error',
              message: `Unrecognized request URL (${req.method}: ${req.path}). The Stripe sandbox implements only the part of the API Crossbill uses; see sandbox/README.md.`,
            },
          },
          null,
          2,
        ),
        newId('req'),
      );
    };
  }
}
