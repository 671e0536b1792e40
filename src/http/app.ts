/**
 * @module
 * The Hono app: public /health and /metrics, and behind the operator's token everything else. Local modes
 * (development, test) answer local hosts only, so no deploy can ever be open.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import { type Config, ConfigError, LOCAL_ENVIRONMENTS, loadConfig } from "../config";
import { createLogger, type Logger } from "../log";
import { countedEnv } from "./counted";
import { coverageRoutes } from "./coverage";
import { diagRoutes } from "./diag";
import { findingRoutes } from "./findings";
import { metricsText } from "./metrics";
import { personaRoutes } from "./personas";

export type AppEnv = { Bindings: Env; Variables: { config: Config; log: Logger } };

/** Hosts a local runner may answer: loopback, and the reserved .localhost and .test names (RFC 6761). */
const LOCAL_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|[\w.-]+\.localhost|[\w.-]+\.test)$/i;

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((error, c) => {
    // bearerAuth's 401 arrives as an HTTPException: it is an answer, not a failure.
    if (error instanceof HTTPException) return error.getResponse();
    const status = error instanceof ConfigError ? 503 : 500;
    createLogger().error("http_error", { path: c.req.path, error });
    return c.json({ error: error.message }, status);
  });
  app.use(async (c, next) => {
    const config = loadConfig(c.env);
    const log = createLogger({ path: c.req.path });
    c.set("config", config);
    c.set("log", log);
    if (LOCAL_ENVIRONMENTS.has(config.ENVIRONMENT) && !LOCAL_HOST.test(new URL(c.req.url).hostname)) {
      return c.json({ error: `ENVIRONMENT is ${config.ENVIRONMENT}: this runner answers local hosts only; a deployed runner is staging or production` }, 403);
    }
    const started = Date.now();
    const counted = countedEnv(c.env);
    c.env = counted.env;
    await next();
    log.info("http_request", { method: c.req.method, status: c.res.status, durationMs: Date.now() - started, subrequests: counted.subrequests() });
  });

  app.get("/health", (c) => {
    const config = c.get("config");
    return c.json({
      status: "ok",
      environment: config.ENVIRONMENT,
      pausedByEnvironment: config.RUNNER_PAUSED,
      concurrency: config.PERSONA_CONCURRENCY,
      model: config.ANTHROPIC_MODEL,
    });
  });

  app.get("/metrics", async (c) => c.text(await metricsText(c.env), 200, { "content-type": "text/plain; version=0.0.4" }));

  // Everything below spends money or shows what personas did: outside local development it needs the token.
  app.use("*", async (c, next) => {
    const config = c.get("config");
    if (LOCAL_ENVIRONMENTS.has(config.ENVIRONMENT)) return next();
    if (!config.RUNNER_ADMIN_TOKEN) return c.json({ error: "RUNNER_ADMIN_TOKEN is not set: protected routes are disabled" }, 503);
    const guard: MiddlewareHandler<AppEnv> = bearerAuth({ token: config.RUNNER_ADMIN_TOKEN });
    return guard(c, next);
  });
  app.route("/diag", diagRoutes());
  app.route("/findings", findingRoutes());
  app.route("/coverage", coverageRoutes());
  app.route("/", personaRoutes());
  return app;
}
