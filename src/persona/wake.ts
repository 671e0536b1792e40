/**
 * @module
 * Reaching a persona's object by its user id, for those that know personas by id only (the coordinator, the
 * fan-out, the routes): they never import the object's module.
 */

export function personaStub(env: Pick<Env, "PERSONA">, userId: string) {
  return env.PERSONA.get(env.PERSONA.idFromName(userId));
}

/** Tells a persona that its queued run holds a slot now. */
export function wakePersona(env: Pick<Env, "PERSONA">, userId: string): Promise<void> {
  return personaStub(env, userId).wake();
}
