/** What every CLI command is: its flags (one zod schema), its help line, and what it does. */
import type { z } from 'zod';
import type { Deps } from '../../server/deps.js';

/** What a command runs with. The store is opened on first use, so commands that need none start faster. */
export interface CliContext {
  deps(): Promise<Deps>;
  env: NodeJS.ProcessEnv;
  /** One line on stdout. */
  out(line: string): void;
  /** One line on stderr (notes that must not mix with the output). */
  err(line: string): void;
  /** `--json` was given. */
  json: boolean;
  /** Ends a long-running command (watch); without it, watch stops on SIGINT / SIGTERM. */
  signal?: AbortSignal;
}

/** A command's result: what `--json` prints, and the human text otherwise (none when it printed as it went). */
export interface Output {
  json: unknown;
  text: string;
}

export interface Command<S extends z.ZodType = z.ZodType> {
  usage: string;
  summary: string;
  schema: S;
  /** Flags whose value is a comma-separated list. */
  lists?: string[];
  run(ctx: CliContext, input: z.output<S>): Promise<Output | void>;
}

export const define = <S extends z.ZodType>(command: Command<S>) => command as unknown as Command;

/** A mistake in the command line: exit 1 with `param_invalid`. */
export class UsageError extends Error {}

/** A failure that is neither the API's nor the command line's (a server out of reach): one line, exit 1. */
export class CliFailure extends Error {}

/** The admin API's success envelope around a command's reply fields. */
export const okJson = (reply: Record<string, unknown> = {}) => ({ status: 200, ...reply });
