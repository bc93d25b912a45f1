// The demo page that `npm start` serves, used as a person would.
import { expect, test } from './fixtures';

test('the notes demo: add, search, edit, delete, keep across a reload, watch 100k records compact', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await expect(page.locator('#db-status')).toContainText('Open');
  await expect(page.locator('#empty')).toBeVisible();

  const add = async (title: string, body: string) => {
    await page.locator('#title').fill(title);
    await page.locator('#body').fill(body);
    await page.locator('#save').click();
    await expect(page.locator('.note', { hasText: title })).toBeVisible();
  };
  await add('Groceries', 'Milk, bread, offline cheese');
  await add('Garden', 'Plant tomatoes');
  await add('Books to read', 'The Log-Structured Merge-Tree');
  await expect(page.locator('#count')).toHaveText('(3)');

  // Search by title prefix, case-insensitive.
  await page.locator('#search').fill('g');
  await expect(page.locator('.note')).toHaveCount(2);
  await page.locator('#search').fill('gro');
  await expect(page.locator('.note')).toHaveCount(1);
  await expect(page.locator('#count')).toContainText('1 matching');
  await page.locator('#search').fill('');
  await expect(page.locator('.note')).toHaveCount(3);

  // Edit a note (its title index moves with it), then delete another.
  await page.locator('.note', { hasText: 'Garden' }).click();
  await expect(page.locator('#editor-title')).toHaveText('Edit note');
  await page.locator('#title').fill('Allotment');
  await page.locator('#save').click();
  await expect(page.locator('.note', { hasText: 'Allotment' })).toBeVisible();
  await page.locator('#search').fill('gar');
  await expect(page.locator('.note')).toHaveCount(0);
  await page.locator('#search').fill('');
  await page.locator('.note', { hasText: 'Books to read' }).click();
  await page.locator('#delete').click();
  await expect(page.locator('.note')).toHaveCount(2);

  // Everything is still there after a reload.
  await page.reload();
  await expect(page.locator('#db-status')).toContainText('Open');
  await expect(page.locator('.note')).toHaveCount(2);
  await expect(page.locator('.note', { hasText: 'Allotment' })).toContainText('Plant tomatoes');

  // 100k records: flushes and compactions show in the stats panel.
  await page.locator('#bulk').click();
  await expect(page.locator('#bulk-status')).toContainText('100,000 records in', { timeout: 90_000 });
  await expect(page.locator('#levels tr').first()).toBeVisible();
  expect(Number((await page.locator('#s-files').textContent()) ?? '0')).toBeGreaterThan(0);
  const jobs = (await page.locator('#s-jobs').textContent()) ?? '';
  expect(Number(jobs.split('/')[0])).toBeGreaterThan(0);
  await page.screenshot({ path: test.info().outputPath('demo.png'), fullPage: true });

  await page.locator('#bulk-clear').click();
  await expect(page.locator('#bulk-status')).toContainText('100,000 records deleted', { timeout: 60_000 });
  await page.locator('#compact').click();
  await expect(page.locator('#bulk-status')).toContainText('Compacted in', { timeout: 60_000 });
  await expect(page.locator('#s-pending')).toHaveText('no');
  await expect(page.locator('#s-bytes')).not.toContainText('MiB');  // the deleted records' space is back
  await expect(page.locator('.note')).toHaveCount(2);
});

test('a second tab of the demo is told the notes are open elsewhere, and can wait for them', async ({ context, page }) => {
  await page.goto('/');
  await expect(page.locator('#db-status')).toContainText('Open');
  const other = await context.newPage();
  await other.goto('/');
  await expect(other.locator('#locked')).toBeVisible();
  await other.locator('#wait-lock').click();
  await page.close();
  await expect(other.locator('#db-status')).toContainText('Open');
});
