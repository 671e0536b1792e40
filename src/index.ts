import { DurableObject } from "cloudflare:workers";
export class PersonaRunner extends DurableObject {}
export class Coordinator extends DurableObject {}
export default { fetch: () => new Response("runner") } satisfies ExportedHandler;
