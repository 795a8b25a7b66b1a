import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

let cached: string | undefined;

/**
 * Where this process's pid means something: the host name, plus the pid namespace on Linux (two
 * containers can share a host name, and a pid in one says nothing about the other). Two holders
 * with the same identity can check each other's pid; others cannot.
 */
export const processHost = (): string => {
  if (cached !== undefined) return cached;
  let namespace = '';
  try {
    // e.g. "pid:[4026531836]"
    const link = readlinkSync('/proc/self/ns/pid');
    const id = /\[(\d+)\]/.exec(link)?.[1];
    if (id) namespace = ` (pid namespace ${id})`;
  } catch {
    namespace = '';
  }
  cached = `${hostname()}${namespace}`;
  return cached;
};
