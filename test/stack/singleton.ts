/** @module The one Durable Object name every stand-in lives under. */

/** Every stand-in is one Durable Object instance, so state and MCP sessions live in one place. */
export const SINGLETON = "stack";
