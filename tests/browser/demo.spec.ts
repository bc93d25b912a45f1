// The demo page that `npm start` serves, used as a person would.
import { expect, test } from './fixtures';

test('the demo writes a note to OPFS, shows it read back, and keeps it across a reload', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#stored')).toHaveText(/Nothing yet/);
  await page.locator('#note').fill('Buy milk, offline');
  await page.locator('#save').click();
  await expect(page.locator('#read-back')).toHaveText('Buy milk, offline');
  await expect(page.locator('#backend')).toContainText('OPFS');
  await expect(page.locator('#stored')).toContainText('Buy milk, offline');
  await page.screenshot({ path: test.info().outputPath('demo.png'), fullPage: true });
  await page.reload();
  await expect(page.locator('#stored')).toContainText('Buy milk, offline');
});
