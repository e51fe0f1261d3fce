/**
 * `npm run screenshots`: the README's pictures of `pannuke serve`, taken in Debian's Chromium (playwright-core)
 * from the demo database (`npm start` makes it). Writes docs/serve-*.png.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..');
const db = path.join(root, '.work', 'demo.sqlite');
const server = spawn(process.execPath, [path.join(root, 'bin', 'pannuke.cjs'), 'serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((ok, ko) => {
  let out = '';
  server.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /pannuke serve: (http:\/\/\S+)/.exec(out);
    if (m !== null) ok(m[1] as string);
  });
  server.on('exit', () => ko(new Error('pannuke serve exited (run npm start first: it makes .work/demo.sqlite)')));
});
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  const shots: [string, string, (() => Promise<void>)?][] = [
    ['overview', '/'],
    ['images', '/images?set=demo-model&sort=mpq'],
    ['image', '/image/7?set=demo-model', async () => {
      await page.click('button[data-zoom="2"]');
      await page.dispatchEvent('.panel path[data-nucleus-id]', 'mouseover');
    }],
    ['nuclei', '/nuclei?class=Dead&sort=-area'],
    ['eval', '/eval/demo-model'],
  ];
  for (const [name, p, before] of shots) {
    await page.goto(new URL(p, url).toString());
    await before?.();
    await page.screenshot({ path: path.join(root, 'docs', `serve-${name}.png`) });
    process.stdout.write(`docs/serve-${name}.png\n`);
  }
} finally {
  await browser.close();
  server.kill('SIGINT');
}
