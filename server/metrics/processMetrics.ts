/**
 * prom-client's default metrics (CPU, memory, event loop lag, GC, handles): facts of the process,
 * not of one node, kept in one registry per process that every node's scrape appends. Not one per
 * node because prom-client's collectors install a GC observer and an event-loop-delay monitor that
 * cannot be removed again: a registry per node would leave two more behind at every start, and a
 * test process starts hundreds of nodes.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/** The process's registry, made (and its collectors started) by the first node with metrics on. */
export function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
