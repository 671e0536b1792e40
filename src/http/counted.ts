/**
 * @module
 * A request's bindings with every Durable Object call counted, so each request's log line says how many
 * subrequests it cost (a page must cost the same at 10 or 10,000 personas).
 */

const NAMESPACES = ["PERSONA", "COORDINATOR", "DISPATCH_SHARD", "DIRECTORY", "FINDINGS"] as const;

export function countedEnv(env: Env): { env: Env; subrequests(): number } {
  let count = 0;
  const countCalls = <T extends object>(stub: T): T =>
    new Proxy(stub, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          count++;
          return Reflect.apply(value as (...params: unknown[]) => unknown, target, args);
        };
      },
    });
  const counted = Object.fromEntries(
    NAMESPACES.map((name) => {
      const namespace = env[name];
      const counting = new Proxy(namespace, {
        get(target, property) {
          if (property === "get") return (id: DurableObjectId) => countCalls(target.get(id));
          const value: unknown = Reflect.get(target, property);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      return [name, counting];
    }),
  );
  return { env: { ...env, ...counted }, subrequests: () => count };
}
