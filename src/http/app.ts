import { Hono, type MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import { type Config, ConfigError, loadConfig } from "../config";
import { coordinator } from "../coordinator/coordinator";
import { renderPrometheus } from "../coordinator/metrics";
import type { Env } from "../env";
import { createLogger, type Logger } from "../log";
import { diagRoutes } from "./diag";
import { personaRoutes } from "./personas";

export type AppEnv = { Bindings: Env; Variables: { config: Config; log: Logger } };

const LOCAL = new Set(["development", "test"]);

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
    c.set("config", loadConfig(c.env));
    c.set("log", createLogger({ path: c.req.path }));
    await next();
  });

  app.get("/health", async (c) => {
    const config = c.get("config");
    const status = await coordinator(c.env.COORDINATOR).status();
    return c.json({
      status: "ok",
      paused: config.RUNNER_PAUSED || status.paused,
      environment: config.ENVIRONMENT,
      concurrency: config.PERSONA_CONCURRENCY,
      model: config.ANTHROPIC_MODEL,
    });
  });

  app.get("/metrics", async (c) => {
    const config = c.get("config");
    const hub = coordinator(c.env.COORDINATOR);
    const [samples, status] = await Promise.all([hub.samples(), hub.status()]);
    const gauges = [
      { name: "persona_budget_remaining_tokens", labels: {}, value: Math.max(0, config.DAILY_TOKEN_BUDGET - status.tokensToday) },
      { name: "persona_paused", labels: {}, value: config.RUNNER_PAUSED || status.paused ? 1 : 0 },
    ];
    return c.text(renderPrometheus([...samples, ...gauges]), 200, { "content-type": "text/plain; version=0.0.4" });
  });

  // Everything below spends money or shows what personas did: outside local development it needs the token.
  app.use("*", async (c, next) => {
    const config = c.get("config");
    if (LOCAL.has(config.ENVIRONMENT)) return next();
    if (!config.RUNNER_ADMIN_TOKEN) return c.json({ error: "RUNNER_ADMIN_TOKEN is not set: protected routes are disabled" }, 503);
    const guard: MiddlewareHandler<AppEnv> = bearerAuth({ token: config.RUNNER_ADMIN_TOKEN });
    return guard(c, next);
  });
  app.route("/diag", diagRoutes());
  app.route("/", personaRoutes());
  return app;
}
