/**
 * Debian's Chromium driven by playwright-core, for tests that look at a page as a person would.
 * Suites call `requireChromium(this)` first: it skips loudly when /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** In a mocha `before`: skips the suite with a clear reason when Chromium is not installed. */
export function requireChromium(context: Mocha.Context): void {
  if (!existsSync(CHROMIUM_PATH)) {
    console.warn(`    SKIPPED: ${CHROMIUM_PATH} is not installed (apt-get install chromium); browser tests did not run`);
    context.skip();
  }
}

/** A headless browser that reaches nothing by itself: no updates, sync or background fetches. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
