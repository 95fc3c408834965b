/**
 * The origin media URLs are built on: PUBLIC_URL, else the origin a client used (an HTTP request
 * or a socket handshake). Presenters call it for the reader at hand; commands and events never
 * carry it.
 */
import type { Config } from './config.js';

const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** A Host header is client-controlled; only what a host can look like is kept. */
export function baseUrlFrom(config: Config, origin: { protocol: string; host: string | undefined }): string {
  if (config.publicUrl) return config.publicUrl;
  const host = origin.host !== undefined && SAFE_HOST.test(origin.host) ? origin.host : `localhost:${config.port}`;
  return `${origin.protocol}://${host}`;
}
