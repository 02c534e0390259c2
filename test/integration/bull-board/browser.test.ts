import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_QUEUES, startTestBoard, type TestBoard } from '../../helpers/bull-board.ts';
import { launchChromium, localContext } from '../../helpers/chromium.ts';

const TOKEN = 'browser-token-0123456789';
const USER = 'operator';
const PASSWORD = 'browser-password';
const SCREENSHOTS = '.test-results/bull-board';

/**
 * Waits until the rendered board names every queue in its sidebar and shows each as an overview
 * card, then returns the sidebar names. The selectors follow Bull Board 9.10's markup: the sidebar
 * is `#bull-board-sidebar`, each queue a link named after it; cards are links inside <main>.
 */
async function renderedQueues(page: Page): Promise<string[]> {
  const sidebar = page.locator('#bull-board-sidebar nav');
  for (const name of BOARD_QUEUES) {
    await sidebar.getByRole('link', { name, exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('main').getByRole('link', { name, exact: true }).waitFor({ timeout: 15_000 });
  }
  return (await sidebar.getByRole('link').allInnerTexts()).map((text) => text.trim());
}

describe('Bull Board in headless Chromium', () => {
  let board: TestBoard;
  let browser: Browser;
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    board = await startTestBoard({ token: TOKEN, basicAuth: `${USER}:${PASSWORD}` });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await board?.close();
  });

  it('refuses /queues without credentials: 401 with a basic-auth challenge, no board rendered', async () => {
    const context = await localContext(browser, board.url);
    try {
      const page = await context.newPage();
      const refusal = page.waitForResponse((response) => response.url() === `${board.url}/queues`);
      // Playwright answers the browser's credential prompt with "cancel" when the context has no
      // credentials, so chromium ends the navigation with ERR_INVALID_AUTH_CREDENTIALS (a person
      // would see the prompt) after receiving the 401 below.
      const navigation = await page.goto(`${board.url}/queues`).then(
        () => 'loaded',
        (err: Error) => err.message,
      );
      const response = await refusal;
      expect(response.status()).toBe(401);
      expect(await response.headerValue('www-authenticate')).toContain('Basic realm="kong-fleet"');
      expect(navigation).toContain('ERR_INVALID_AUTH_CREDENTIALS');
      expect(await page.locator('#bull-board-sidebar').count()).toBe(0);
      const text = (await page.locator('body').textContent()) ?? '';
      for (const name of BOARD_QUEUES) expect(text).not.toContain(name);
    } finally {
      await context.close();
    }
  });

  it('with basic-auth credentials the rendered page lists the build, push and drift queues', async () => {
    const context = await localContext(browser, board.url, {
      httpCredentials: { username: USER, password: PASSWORD },
    });
    try {
      const page = await context.newPage();
      const response = await page.goto(`${board.url}/queues`);
      expect(response?.status()).toBe(200);
      expect((await renderedQueues(page)).sort()).toEqual([...BOARD_QUEUES].sort());
      // Each card shows the one waiting job the helper added: the counts came from Redis.
      for (const name of BOARD_QUEUES) {
        const card = page
          .getByRole('main')
          .getByRole('listitem')
          .filter({ has: page.getByRole('link', { name, exact: true }) });
        await expect.poll(() => card.textContent()).toContain('1 Job');
      }
      await page.screenshot({ path: `${SCREENSHOTS}/overview-basic-auth.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('with the bearer token in a header the board renders too, down to a job of the build queue', async () => {
    const context = await localContext(browser, board.url, {
      extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
    });
    try {
      const page = await context.newPage();
      expect((await page.goto(`${board.url}/queues`))?.status()).toBe(200);
      expect((await renderedQueues(page)).sort()).toEqual([...BOARD_QUEUES].sort());
      await page.locator('#bull-board-sidebar nav').getByRole('link', { name: 'build', exact: true }).click();
      await page.getByText('test: informers listed').waitFor({ timeout: 15_000 });
      expect(page.url()).toBe(`${board.url}/queues/queue/build`);
      await page.screenshot({ path: `${SCREENSHOTS}/build-queue-token.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });
});
