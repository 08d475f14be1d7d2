import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { GraphQLError, parse, validate, type ExecutionArgs, specifiedRules } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { pinoHttp } from 'pino-http';
import type { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import type { SigningKeys } from '../../accounts/signing-keys';
import type { Config } from '../../config';
import { isAppError } from '../errors';
import { bearerToken, createContext, type GraphQLContext, type Services } from '../graphql/context';
import { formatError, isUnexpectedError } from '../graphql/format-error';
import { assertComplexity, depthRule } from '../graphql/limits';
import { buildSchema } from '../graphql/schema';
import type { Logger } from '../logger';
import { MailMessageEntity } from '../mail/mail-message.entity';

export interface ServerDeps {
  config: Config;
  log: Logger;
  dataSource: DataSource;
  services: Services;
  signingKeys: SigningKeys;
  /** Serve the outbox at /dev/outbox (development without SMTP only). */
  exposeOutbox: boolean;
  /** Routers mounted before GraphQL (webhooks, which need their raw bodies). */
  routers?: express.Router[];
}

export interface RunningServer {
  url: string;
  port: number;
  httpServer: http.Server;
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;
const WS_UNAUTHORIZED = 4401;
const WS_FORBIDDEN = 4403;

/** Express + Apollo over HTTP and graphql-ws over WebSocket, on one port and one schema. */
export async function startServer(deps: ServerDeps, port = deps.config.http.port): Promise<RunningServer> {
  const { config, log, dataSource, services } = deps;
  const schema = buildSchema();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);

  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      quietReqLogger: true,
      serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }) },
    }),
  );

  app.get('/healthz', async (_req, res) => {
    try {
      await dataSource.query('SELECT 1');
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });

  app.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json({ keys: deps.signingKeys.publicJwks });
  });

  if (deps.exposeOutbox) {
    app.get('/dev/outbox', async (_req, res) => {
      const messages = await dataSource.getRepository(MailMessageEntity).find({ order: { createdAt: 'DESC' }, take: 50 });
      res.json({
        messages: messages.map((m) => ({ id: m.id, to: m.to, subject: m.subject, text: m.text, html: m.html, createdAt: m.createdAt })),
      });
    });
  }

  for (const router of deps.routers ?? []) app.use(router);

  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 64 * 1024 });
  const wsCleanup = useServer<Record<string, unknown>, { context?: GraphQLContext }>(
    {
      schema,
      onConnect: async (ctx) => {
        // 4401: no credential, an expired token or an ended session — refresh and reconnect.
        // 4403: a token that is not ours (forged, garbage) — reconnecting will not help.
        const token = connectionToken(ctx.connectionParams);
        try {
          if (!token) throw new Error('no token');
          const viewer = await services.sessions.authenticate(token);
          // An open socket does not outlive its credential: close it when the token expires.
          const expiresIn = viewer.accessTokenExpiresAt.getTime() - Date.now();
          const timer = setTimeout(() => ctx.extra.socket.close(WS_UNAUTHORIZED, 'Token expired'), Math.max(0, expiresIn));
          timer.unref();
          ctx.extra.socket.once('close', () => clearTimeout(timer));
          return true;
        } catch (error) {
          const forged = isAppError(error) && error.details?.reason === 'invalid_token';
          ctx.extra.socket.close(forged ? WS_FORBIDDEN : WS_UNAUTHORIZED, forged ? 'Forbidden' : 'Unauthorized');
          return false;
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        // The same validation and limits as HTTP; the result is what graphql-ws executes.
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const errors = validate(schema, document, [...specifiedRules, depthRule(config.graphql.maxDepth)]);
        if (errors.length) return errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
        try {
          assertComplexity({ schema, document, operationName: payload.operationName, variables: payload.variables ?? {}, maxComplexity: config.graphql.maxComplexity });
        } catch (error) {
          return [error as GraphQLError];
        }
        const requestId = randomUUID();
        const request = ctx.extra.request;
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createContext({
            requestId,
            log: log.child({ requestId, transport: 'ws' }),
            meta: { ip: request.socket.remoteAddress ?? 'unknown', userAgent: request.headers['user-agent'] ?? null },
            services,
            publicWebUrl: config.publicWebUrl,
            accessToken: connectionToken(ctx.connectionParams),
          }),
        };
        return args;
      },
      onError: (_ctx, _id, _payload, errors) => {
        // Results over WebSocket are masked exactly as over HTTP.
        return errors.map((e) => {
          const masked = formatError(e.toJSON(), e);
          return new GraphQLError(masked.message, { path: masked.path, extensions: masked.extensions });
        });
      },
    },
    wsServer,
  );

  // Operations still executing (their client may have gone): shutdown waits for them, so no
  // resolver is cut off mid-transaction when the database closes after the server.
  const inFlight = new InFlight();

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.graphql.introspection,
    validationRules: [depthRule(config.graphql.maxDepth)],
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      inFlight.plugin(),
      complexityPlugin(config.graphql.maxComplexity),
      errorLoggingPlugin(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.use(
    '/graphql',
    express.json({ limit: config.http.bodyLimit }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = String(req.id);
        return createContext({
          requestId,
          log: req.log,
          meta: requestMeta(req),
          services,
          publicWebUrl: config.publicWebUrl,
          accessToken: bearerToken(req.headers.authorization),
        });
      },
    }),
  );

  const onHttpError: ErrorRequestHandler = (error, req, res, _next) => {
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (status >= 500) req.log?.error({ err: error }, 'unhandled HTTP error');
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 400 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    const message =
      status === 413 ? `The request body is larger than ${config.http.bodyLimit}.` : status === 400 ? 'The request is malformed.' : 'Something went wrong on our side.';
    res.status(status).json({ errors: [{ message, extensions: { code, requestId: String(req.id ?? '') } }] });
  };
  app.use(onHttpError);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, config.http.host, () => resolve());
  });
  const actualPort = (httpServer.address() as AddressInfo).port;
  const url = `http://localhost:${actualPort}`;
  log.info({ url: `${url}/graphql` }, 'API listening');

  return {
    url,
    port: actualPort,
    httpServer,
    async close() {
      await apollo.stop();
      await inFlight.settled(10_000);
    },
  };
}

/** Apollo codes request errors over HTTP; graphql-ws does not, so we do the same here. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

class InFlight {
  private count = 0;
  private readonly idle: Array<() => void> = [];

  plugin(): ApolloServerPlugin<GraphQLContext> {
    return {
      requestDidStart: async () => {
        this.count += 1;
        let done = false;
        return {
          willSendResponse: async () => {
            if (done) return;
            done = true;
            this.count -= 1;
            if (this.count === 0) this.idle.splice(0).forEach((resolve) => resolve());
          },
        };
      },
    };
  }

  settled(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle.push(resolve);
      setTimeout(resolve, timeoutMs).unref();
    });
  }
}

function connectionToken(params: Record<string, unknown> | undefined): string | null {
  const raw = params?.authToken ?? params?.Authorization ?? params?.authorization;
  if (typeof raw !== 'string') return null;
  return bearerToken(raw) ?? (raw.includes(' ') ? null : raw);
}

function requestMeta(req: Request) {
  return { ip: req.ip ?? req.socket.remoteAddress ?? 'unknown', userAgent: req.headers['user-agent'] ?? null };
}

function complexityPlugin(maxComplexity: number): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          assertComplexity({ schema, document, operationName: request.operationName, variables: request.variables ?? {}, maxComplexity });
        },
      };
    },
  };
}

/** Logs every masked error with its stack and request id; adds the request id to the masked error. */
function errorLoggingPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            if (isUnexpectedError(error)) contextValue.log.error({ err: error.originalError ?? error }, 'unexpected GraphQL error');
            else if (isAppError(error.originalError)) contextValue.log.debug({ code: error.originalError.code }, error.message);
          }
        },
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single' || !contextValue) return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.code === 'INTERNAL_SERVER_ERROR') {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
        },
      };
    },
  };
}
