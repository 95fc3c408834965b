import type { Request, Response } from 'express';
import type { Config } from '../config.js';
import { baseUrlFrom } from '../origin.js';

/** Answers 200 with the success envelope. */
export function ok(res: Response, body: Record<string, unknown> = {}): void {
  res.json({ status: 200, ...body });
}

/** The base of this request's media URLs (PUBLIC_URL, else the origin the client used). */
export function baseUrlOf(config: Config, req: Request): string {
  return baseUrlFrom(config, { protocol: req.protocol, host: req.get('host') });
}
