// The directory page (/annuaire) in a real browser, served by a demo passkoopd (the 130 coops of the
// public map; projects without a shop welcome no visitors). Usage:
//   node directory.mjs PASSKOOPD ARTEFACT_DIR SCENARIO     (SCENARIO: one of the names below, or "list")
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { withShop } from './harness.mjs';

// Opens /annuaire with every request watched: any request but the page itself is aborted and
// counted, so a page that reaches for a font, a script, a map tile or even its own server fails.
async function openDirectory(shop) {
  const { page } = shop;
  const pageUrl = shop.base + '/annuaire';
  const strays = [];
  await page.route('**/*', route => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    strays.push(url);
    return route.abort();
  });
  page.on('request', r => { if (r.url() !== pageUrl && !r.url().startsWith('data:')) strays.push(r.url()); });
  await page.goto(pageUrl);
  await page.waitForFunction(() => document.getElementById('count').textContent.includes('130'));
  return strays;
}

const visibleNames = page => page.$$eval('li.coop:not([hidden]) .name', els =>
  els.filter(e => e.offsetParent !== null).map(e => e.textContent));

async function shot(page, artefacts, name, width, height) {
  fs.mkdirSync(artefacts, { recursive: true });
  await page.setViewportSize({ width, height });
  await page.screenshot({ path: path.join(artefacts, name) });
}

const scenarios = {
  // Search by name, town or department (accents and case ignored), the visitor filter, and not a
  // single request leaving the page.
  'directory-search': async (shop, artefacts) => {
    const { page } = shop;
    const strays = await openDirectory(shop);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await page.textContent('h1'), 'Annuaire des supermarchés coopératifs');
    assert.match(await page.textContent('#meta'), /^Registre Pass'Koop version 1, signé par ses admins le \d\d\/\d\d\/\d{4}, valable jusqu'au \d\d\/\d\d\/\d{4} · 130 coopératives$/);
    assert.match(await page.textContent('footer'), /Jean-Marie Zuffellato, licence MIT/);
    assert.equal((await visibleNames(page)).length, 130);
    assert.equal(await page.textContent('#count'), '130 coopératives');
    // Grouped by country, France first, then by department.
    const countries = await page.$$eval('section.country > h2', els => els.map(e => e.textContent));
    assert.equal(countries[0], 'France');
    assert.ok(countries.includes('Suisse') && countries.includes('Belgique'), countries.join(', '));
    await shot(page, artefacts, 'annuaire-1280x800.png', 1280, 800);

    // By town.
    await page.fill('#search', 'bayonne');
    assert.deepEqual(await visibleNames(page), ['Otsokop']);
    assert.equal(await page.textContent('#count'), '1 coopérative sur 130');
    assert.deepEqual(await page.$$eval('section.country:not([hidden]) > h2', els => els.map(e => e.textContent)), ['France']);
    assert.deepEqual(await page.$$eval('section.department:not([hidden]) > h3', els => els.map(e => e.textContent)),
      ['Pyrénées-Atlantiques (64)']);
    // By department name, and by number.
    await page.fill('#search', 'Gironde');
    const gironde = await visibleNames(page);
    await page.fill('#search', '33');
    assert.deepEqual(await visibleNames(page), gironde);
    assert.equal(gironde.length, 3);
    // By name, without its accents.
    await page.fill('#search', 'epicerie d a cote');
    assert.deepEqual(await visibleNames(page), ['L\'épicerie d\'à côté']);
    // Nothing matches: said so.
    await page.fill('#search', 'zzzz');
    assert.deepEqual(await visibleNames(page), []);
    assert.ok(await page.isVisible('#none'));
    await page.fill('#search', '');
    assert.equal((await visibleNames(page)).length, 130);

    // Welcomes visitors: the 108 open shops (grocery or supermarket), not the 22 projects.
    await page.check('#welcomes');
    const welcoming = await visibleNames(page);
    assert.equal(welcoming.length, 108);
    assert.ok(!welcoming.includes('Aix\'Elan Coop'), 'an idea stage coop welcomes no visitors');
    assert.ok(welcoming.includes('La Louve'));
    assert.equal(await page.textContent('#count'), '108 coopératives sur 130');
    // Both together.
    await page.fill('#search', 'genève');
    const geneva = await visibleNames(page);
    assert.ok(geneva.includes('Le Nid'), geneva.join(', '));
    assert.equal(await page.textContent('li.coop[id^="coop-le-nid-"] .policy'), 'Pass d\'essai de 60 jours sur inscription');
    await page.uncheck('#welcomes');
    await page.fill('#search', 'aix');
    assert.ok((await visibleNames(page)).includes('Aix\'Elan Coop'));
    assert.equal(await page.textContent('li.coop:not([hidden]) .policy.no'), 'N\'accueille pas de visiteurs');
    await page.fill('#search', '');

    // Phone: no sideways scrolling.
    await shot(page, artefacts, 'annuaire-390x844.png', 390, 844);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling on a phone (overflow ${overflow}px)`);

    // Printed: the list and the attribution, not the search tools.
    await page.emulateMedia({ media: 'print' });
    assert.ok(await page.isHidden('.tools'));
    assert.ok(await page.isHidden('#lang'));
    assert.ok(await page.isVisible('footer'));
    await page.emulateMedia({ media: 'screen' });

    assert.deepEqual(strays, [], 'no request leaves the page');
  },

  // The same page in English, and the choice kept.
  'directory-english': async (shop, artefacts) => {
    const { page } = shop;
    const strays = await openDirectory(shop);
    assert.equal(await page.textContent('#lang'), 'English');
    await page.click('#lang');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('h1'), 'Directory of cooperative supermarkets');
    assert.equal(await page.title(), 'Directory of cooperative supermarkets');
    assert.match(await page.textContent('#meta'), /^Pass'Koop registry version 1, signed by its admins on \d{4}-\d\d-\d\d, valid until \d{4}-\d\d-\d\d · 130 coops$/);
    assert.equal(await page.textContent('#lang'), 'Français');
    assert.equal(await page.getAttribute('#search', 'placeholder'), 'name, town or department');
    await page.fill('#search', 'louve');
    assert.deepEqual(await visibleNames(page), ['La Louve']);
    assert.equal(await page.textContent('#count'), '1 of 130 coops');
    assert.equal(await page.textContent('li.coop:not([hidden]) .stage'), 'supermarket open');
    assert.equal(await page.textContent('li.coop:not([hidden]) .policy'), 'Welcomes the members of partner coops on the same terms as its own');
    await page.fill('#search', 'switzerland');
    assert.equal((await visibleNames(page)).length, 20, 'the country searched in English');
    await page.fill('#search', '');
    await shot(page, artefacts, 'annuaire-english-1280x800.png', 1280, 800);
    await page.reload();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await page.textContent('h1'), 'Directory of cooperative supermarkets', 'the choice is kept');
    await page.click('#lang');
    assert.equal(await page.textContent('h1'), 'Annuaire des supermarchés coopératifs');
    assert.equal(await page.textContent('#count'), '130 coopératives');
    assert.deepEqual(strays, [], 'no request leaves the page');
  }
};

const [passkoopd, artefacts, name] = process.argv.slice(2);
if (name === 'list') {
  console.log(Object.keys(scenarios).join('\n'));
  process.exit(0);
}
if (!passkoopd || !artefacts || !scenarios[name]) {
  console.error('usage: node directory.mjs PASSKOOPD ARTEFACT_DIR ' + Object.keys(scenarios).join('|'));
  process.exit(2);
}
const started = Date.now();
try {
  await withShop(passkoopd, shop => scenarios[name](shop, artefacts));
  console.log(`${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (e) {
  console.error(`${name}: FAILED\n${e.stack || e}`);
  process.exit(1);
}
