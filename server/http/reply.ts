import type { Request, Response } from 'express';
import type { Config } from '../config.js';

/** Answers 200 with the success envelope. */
export function ok(res: Response, body: Record<string, unknown> = {}): void {
  res.json({ status: 200, ...body });
}

const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The base of absolute media URLs: PUBLIC_URL, else the origin the client used (an HTTP request
 * or a socket handshake). A Host header is client-controlled; only what a host can look like is kept.
 */
export function baseUrlFrom(config: Config, origin: { protocol: string; host: string | undefined }): string {
  if (config.publicUrl) return config.publicUrl;
  const host = origin.host !== undefined && SAFE_HOST.test(origin.host) ? origin.host : `localhost:${config.port}`;
  return `${origin.protocol}://${host}`;
}

export function baseUrlOf(config: Config, req: Request): string {
  return baseUrlFrom(config, { protocol: req.protocol, host: req.get('host') });
}
