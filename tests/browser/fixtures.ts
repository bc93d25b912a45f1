// Every browser test gets a persistent Chromium profile of its own: the
// default incognito context keeps OPFS in memory (about 100 times slower per
// call) and loses it on close, which would hide persistence bugs.
import { type BrowserContext, chromium, test as base } from '@playwright/test';

export const test = base.extend<{ context: BrowserContext; profileDir: string }>({
  profileDir: async ({}, use, testInfo) => {
    await use(testInfo.outputPath('profile'));
  },
  context: async ({ profileDir, launchOptions, baseURL }, use) => {
    const context = await chromium.launchPersistentContext(profileDir, { ...launchOptions, baseURL });
    await use(context);
    await context.close();
  },
  page: async ({ context }, use) => {
    await use(context.pages()[0] ?? (await context.newPage()));
  },
});

export { expect } from '@playwright/test';
