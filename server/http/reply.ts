import type { Request, Response } from 'express';
import type { Config } from '../config.js';

/** Answers 200 with the success envelope. */
export function ok(res: Response, body: Record<string, unknown> = {}): void {
  res.json({ status: 200, ...body });
}

/** The base of absolute media URLs: PUBLIC_URL, else the origin the client used. */
export function baseUrlOf(config: Config, req: Request): string {
  if (config.publicUrl) return config.publicUrl;
  const host = req.get('host') ?? `localhost:${config.port}`;
  // A Host header is client-controlled; keep only what a host can look like.
  const safeHost = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : `localhost:${config.port}`;
  return `${req.protocol}://${safeHost}`;
}
