import { seededRandom } from "@exp/testing";

/**
 * A seeded PRNG (@exp/testing's mulberry32): the generated tree must be the same bytes on every
 * run and machine, so nothing here may use Math.random or the clock.
 */
export type Random = () => number;

export const seeded: (seed: number) => Random = seededRandom;

/** FNV-1a of a string mixed with a seed: each file gets its own stream, so write order does not matter. */
export function seedOf(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function int(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Log-uniform between min and max: most values small, a long tail, as file sizes are. */
export function logUniform(random: Random, min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function chance(random: Random, p: number): boolean {
  return random() < p;
}
