// The cashier page in a real browser. Usage:
//   node scenarios.mjs PASSKOOPD ARTEFACT_DIR SCENARIO     (SCENARIO: one of the names below, or "list")
// Each run starts its own demo shop (Coopalim, 3 visits per 365 days) and its own Chromium.
import assert from 'node:assert/strict';
import { withShop, azerty } from './harness.mjs';

const scenarios = {
  // Sign-in once per till: a wrong token is refused in French, the right one is kept across a
  // reload, and signing out forgets it.
  'sign-in': async (shop, artefacts) => {
    const { page } = shop;
    await shop.open();
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await page.textContent('#sign-in-title'), 'Connexion de la caisse');
    assert.ok(await page.isHidden('#app'));
    await page.fill('#token', 'pas-le-bon-jeton');
    await page.press('#token', 'Enter');
    await page.waitForSelector('#sign-in-error:text("Jeton refusé")');
    assert.ok(await page.isHidden('#app'));
    await shop.signIn();
    assert.ok(await page.isHidden('#sign-in'));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan', 'the scan field has the focus');
    assert.ok(await page.isHidden('#manager'), 'a cashier sees no manager links');
    await page.reload();
    await page.waitForSelector('#scan', { state: 'visible' });
    assert.ok(await page.isHidden('#sign-in'), 'the token is kept in the browser');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan');
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in', { state: 'visible' });
    assert.equal(await page.evaluate(() => localStorage.getItem('passkoop.token')), null);
    await page.reload();
    await page.waitForSelector('#token', { state: 'visible' });
    assert.ok(await page.isHidden('#app'));
    // A manager gets the monthly report and the CSV export.
    await shop.signIn(shop.managerToken);
    await page.waitForSelector('#manager', { state: 'visible' });
    await page.click('#report');
    await page.waitForSelector('#report-box', { state: 'visible' });
    // The demo's earlier visits, whatever the day: this month Sam once and Noé twice…
    const month = await page.inputValue('#month');
    assert.match(await page.innerText('#report-rows'), /Les 400 Coop\s+3\s+2\s/, `the demo shop has visits from Les 400 Coop in ${month}`);
    // …and once each the month before.
    const [year, mon] = month.split('-').map(Number);
    const previous = mon === 1 ? `${year - 1}-12` : `${year}-${String(mon - 1).padStart(2, '0')}`;
    await page.fill('#month', previous);
    await page.click('#report');
    await page.waitForFunction(() => /Les 400 Coop\s+2\s+2\s/.test(document.getElementById('report-rows').innerText));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    assert.equal(download.suggestedFilename(), 'visiteurs.csv');
    await shop.screenshot(artefacts, 'manager.png');
  },

  // A valid pass typed as a scanner burst ending in Enter: green, with the coop and the member.
  'valid-pass-green': async (shop, artefacts) => {
    const { page } = shop;
    await shop.signIn();
    await shop.scan(shop.pass('green: valid, allowed'));
    const v = await shop.verdict('green');
    assert.equal(v.headline, 'ACCEPTÉ');
    assert.equal(v.reason, 'Visiteur accepté');
    assert.equal(v.icon, '✔', 'colour is never the only signal');
    assert.match(v.details, /La Louve/);
    assert.match(v.details, /Camille D\. · n° 4242/);
    assert.match(v.details, /Valable jusqu’au\s+\d\d\/\d\d\/\d{4}/);
    assert.match(v.details, /0 déjà, sur 3 autorisées/);
    assert.deepEqual(v.warnings, []);
    assert.ok(await page.isVisible('#record'), 'the record form opens');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'amount', 'the amount field is ready');
    await shop.screenshot(artefacts, 'green.png');
    // Phone-sized screen: the verdict and the record button stay on screen without sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
    await shop.screenshot(artefacts, 'green-phone.png');
    // Keyboard only: Escape drops the form and the verdict, and the scan field has the focus again.
    await page.keyboard.press('Escape');
    assert.ok(await page.isHidden('#record'));
    await page.keyboard.press('Escape');
    assert.ok(await page.isHidden('#result'));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan');
  },

  // The same pass from a scanner left on US layout on an AZERTY till: accepted, with the warning
  // to fix the scanner. DESIGN §6: a valid pass with a warning is orange.
  'azerty-layout-warning': async (shop, artefacts) => {
    const { page } = shop;
    await shop.signIn();
    const mangled = azerty(shop.pass('green: valid, allowed'));
    assert.match(mangled, /^PK[à&é"'(\-è_ç]+$/);
    await shop.scan(mangled);
    const v = await shop.verdict('orange');
    assert.equal(v.headline, 'ACCEPTÉ — ATTENTION');
    assert.equal(v.reason, 'Visiteur accepté');
    assert.equal(v.icon, '!');
    assert.match(v.details, /La Louve/);
    assert.match(v.details, /Camille D\./);
    assert.deepEqual(v.warnings, ['Lecteur réglé sur le mauvais clavier (AZERTY/QWERTY) : lecture corrigée, pensez à le régler']);
    assert.ok(await page.isVisible('#record'), 'a repaired pass can still be recorded');
    await shop.screenshot(artefacts, 'orange.png');
    // A new scan while the amount field has the focus goes to the scan field, not into the amount.
    await shop.scan(shop.pass('green: valid, allowed'));
    await shop.verdict('green');
    assert.equal(await page.inputValue('#amount'), '');
    // A registry past its expiry date (the demo's is fresh, so the server's answer is altered here):
    // orange with the date of the last update.
    await page.route('**/v1/verify', async route => {
      const answer = await (await route.fetch()).json();
      answer.color = 'orange';
      answer.warnings = ['registry_stale'];
      answer.warning_messages = ['Registre non mis à jour depuis le 21/11/2026'];
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) });
    });
    await shop.scan(shop.pass('green: valid, allowed'));
    const stale = await shop.verdict('orange');
    assert.deepEqual(stale.warnings, ['Registre non mis à jour depuis le 21/11/2026']);
    await page.click('#lang');
    assert.deepEqual((await shop.verdict('orange')).warnings, ['Registry not updated since 2026-11-21']);
  },

  // An expired pass: red, the reason in French, nothing to record.
  'expired-red': async (shop, artefacts) => {
    const { page } = shop;
    await shop.signIn();
    await shop.scan(shop.pass('red: expired'));
    const v = await shop.verdict('red');
    assert.equal(v.headline, 'REFUSÉ');
    assert.equal(v.reason, 'Pass expiré');
    assert.equal(v.icon, '✖');
    assert.match(v.details, /Ana P\./);
    assert.ok(await page.isHidden('#record'), 'an expired pass cannot be recorded');
    assert.ok(await page.isHidden('#override-open'), 'no override for an invalid pass');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan');
    await shop.screenshot(artefacts, 'red.png');
    // A cut-off scan asks to scan again; a pasted pass is checked without Enter.
    await shop.scan(shop.pass('red: truncated'));
    assert.equal((await shop.verdict('red')).reason, 'Lecture incomplète : scannez à nouveau');
    await shop.expectVerdict();
    await page.evaluate(text => {
      const input = document.getElementById('scan');
      input.focus();
      const data = new DataTransfer();
      data.setData('text/plain', text);
      input.value = text;
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, shop.pass('red: revoked'));
    assert.equal((await shop.verdict('red')).reason, 'Pass révoqué (carte perdue ou membre parti)');
    // A scanner set to end with Tab instead of Enter.
    await shop.expectVerdict();
    await page.keyboard.type(shop.pass('red: key_compromised'), { delay: 2 });
    await page.keyboard.press('Tab');
    assert.equal((await shop.verdict('red')).reason, 'Clé de la coopérative compromise : pass refusé');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan');
    // A second scan arriving while the first is still being checked is checked next, not lost.
    const before = await page.evaluate(() => Number(document.getElementById('result').dataset.seq));
    await page.keyboard.type(shop.pass('red: revoked'));
    await page.keyboard.press('Enter');
    await page.keyboard.type(shop.pass('red: expired'));
    await page.keyboard.press('Enter');
    await page.waitForFunction(seen => Number(document.getElementById('result').dataset.seq) >= seen + 2, before);
    assert.equal((await shop.verdict('red')).reason, 'Pass expiré');
    assert.equal(await page.inputValue('#scan'), '');
  },

  // A purchase of "12,50": in today's list with the running total, and in the ledger through the API,
  // once only however many times Enter is pressed.
  'record-purchase': async (shop) => {
    const { page } = shop;
    await shop.signIn();
    await shop.scan(shop.pass('green: valid, allowed'));
    await shop.verdict('green');
    await page.keyboard.type('12,5,0');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#record-error:text("Montant illisible")');
    await page.fill('#amount', '12,50');
    await page.fill('#ticket', 'T-0042');
    // The first answer is lost on the way back (the server did record): the cashier presses Enter
    // again and the same idempotency key makes the server answer with the first row.
    const keys = [];
    await page.route('**/v1/visits', async route => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push(JSON.parse(route.request().postData()).idempotency_key);
      if (keys.length === 1) {
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.press('#ticket', 'Enter');
    await page.waitForSelector('#record-error:text("Serveur de la boutique injoignable")');
    await page.press('#ticket', 'Enter');
    await page.waitForSelector('#record-status:text("Enregistré")');
    await page.unroute('**/v1/visits');
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1], 'the retry reuses the idempotency key');
    assert.match(await page.textContent('#record-status'), /achat de 12,50\s€ — La Louve/);
    await page.waitForSelector('#today tr');
    const row = await page.innerText('#today tr');
    assert.match(row, /La Louve/);
    assert.match(row, /achat/);
    assert.match(row, /12,50\s€/);
    assert.match(row, /T-0042/);
    assert.match(await page.textContent('#today-total'), /1 passage · Total des achats : 12,50\s€/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan', 'back to the scan field');
    // A second Enter on the recorded form does not record again.
    await page.focus('#record-submit').catch(() => {});
    await page.evaluate(() => document.getElementById('record-form').requestSubmit());
    await page.waitForSelector('#record-error:text("Déjà enregistré")');
    const ledger = await shop.api('/v1/visits');
    const mine = ledger.visits.filter(r => r.till === 'caisse-1' && r.ticket === 'T-0042');
    assert.equal(mine.length, 1, 'recorded exactly once');
    assert.equal(mine[0].amount_cents, 1250);
    assert.equal(mine[0].kind, 'purchase');
    assert.equal(mine[0].verified, true);
    assert.equal(mine[0].override, false);
    assert.equal(mine[0].origin_coop_name, 'La Louve');
    assert.match(mine[0].idempotency_key, /^[0-9a-f-]{36}$/);
    assert.equal(mine[0].cashier, 'Caisse 1 (démo)');
    // A visitor without a card, on their word: recorded as unverified.
    await page.click('#declared-open');
    await page.waitForSelector('#declared-coop option:nth-child(100)', { state: 'attached' });
    await page.selectOption('#declared-coop', { label: 'Lalouet coop — Les Herbiers' });
    assert.ok(await page.isVisible('#declared-banner'));
    await page.fill('#amount', '3,20');
    await page.press('#amount', 'Enter');
    await page.waitForSelector('#record-status:text("Enregistré")');
    await page.waitForSelector('#today tr:nth-child(2)');
    assert.match(await page.innerText('#today'), /Lalouet coop\s+achat\s+3,20\s€\s+sans carte/);
    assert.match(await page.textContent('#today-total'), /2 passages · Total des achats : 15,70\s€/);
    const after = await shop.api('/v1/visits');
    const declared = after.visits.filter(r => r.decision === 'declared');
    assert.equal(declared.length, 1);
    assert.equal(declared[0].verified, false);
    assert.equal(declared[0].amount_cents, 320);
    // The camera button says plainly when the browser cannot read QR codes.
    await page.click('#camera');
    await page.waitForSelector('#camera-status:text("Caméra non disponible")');
  },

  // The camera button on a till without a scanner. Headless Chromium on Linux has no BarcodeDetector:
  // a stand-in reads nothing for two frames, then the pass it is given; the camera itself is
  // Chromium's fake device (a test pattern), allowed without asking.
  'camera': async (shop, artefacts) => {
    const { page } = shop;
    await page.addInitScript(text => {
      const seen = window.cameraSeen = { text, delay: 0, detectors: 0, detects: 0, streams: [], frames: [] };
      const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async constraints => {
        const stream = await getUserMedia(constraints);
        seen.streams.push(stream);
        return stream;
      };
      window.BarcodeDetector = class {
        static async getSupportedFormats() { return ['qr_code']; }
        constructor(options) { this.calls = 0; seen.detectors++; seen.formats = options && options.formats; }
        async detect(video) {
          this.calls++;
          seen.detects++;
          seen.frames.push({
            width: video.videoWidth, playing: !video.paused,
            tracks: video.srcObject ? video.srcObject.getVideoTracks().map(t => t.readyState) : [],
            box: !document.getElementById('camera-box').hidden,
            status: document.getElementById('camera-status').textContent
          });
          const calls = this.calls;
          if (seen.delay) await new Promise(r => setTimeout(r, seen.delay));
          return calls <= 2 || !seen.text ? [] : [{ rawValue: seen.text, format: 'qr_code' }];
        }
      };
    }, shop.pass('green: valid, allowed'));
    await shop.signIn();
    const seen = () => page.evaluate(() => ({
      detectors: cameraSeen.detectors, detects: cameraSeen.detects, formats: cameraSeen.formats,
      frames: cameraSeen.frames, streams: cameraSeen.streams.length,
      live: cameraSeen.streams.flatMap(s => s.getTracks()).filter(t => t.readyState !== 'ended').length,
      box: !document.getElementById('camera-box').hidden,
      status: document.getElementById('camera-status').textContent
    }));
    // Stopped after a hit: every track ended, the box closed and nothing read any more.
    const assertStopped = async () => {
      const s = await seen();
      assert.equal(s.live, 0, `no live camera track left (${s.streams} streams opened)`);
      assert.equal(s.box, false, 'the camera box is closed');
      assert.equal(s.status, '');
      await page.waitForTimeout(700);
      assert.equal((await seen()).detects, s.detects, 'no reading after the camera stopped');
      return s;
    };

    // A valid pass held to the camera: green with the coop, like a scanner, the record form ready.
    await shop.expectVerdict();
    await page.click('#camera');
    const v = await shop.verdict('green');
    assert.equal(v.headline, 'ACCEPTÉ');
    assert.equal(v.reason, 'Visiteur accepté');
    assert.equal(v.icon, '✔');
    assert.match(v.details, /La Louve/);
    assert.match(v.details, /Camille D\. · n° 4242/);
    let s = await assertStopped();
    assert.deepEqual(s.formats, ['qr_code']);
    assert.equal(s.streams, 1);
    assert.equal(s.detects, 3, 'two empty frames, then the pass');
    const frame = s.frames[0];
    assert.ok(frame.width > 0 && frame.playing, `the video plays the camera (${JSON.stringify(frame)})`);
    assert.deepEqual(frame.tracks, ['live']);
    assert.equal(frame.box, true, 'the camera box is shown while looking');
    assert.equal(frame.status, 'Montrez le QR code à la caméra…');
    assert.ok(await page.isVisible('#record'), 'the record form opens');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'amount', 'the amount field is ready');
    await shop.screenshot(artefacts, 'camera.png');

    // An expired pass, with the button clicked twice and readings slower than the camera's pace
    // (so several are under way when one finds the pass): red, checked once, one camera only,
    // and back to the scan field.
    await page.evaluate(text => { cameraSeen.text = text; cameraSeen.delay = 600; }, shop.pass('red: expired'));
    await shop.expectVerdict();
    await page.click('#camera', { clickCount: 2 });
    assert.equal((await shop.verdict('red')).reason, 'Pass expiré');
    s = await assertStopped();
    assert.equal(s.streams, 2, 'the second click opened no second camera');
    assert.equal(s.detectors, 2);
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => Number(document.getElementById('result').dataset.seq)), shop.seenVerdicts + 1,
      'the pass is checked once');
    assert.ok(await page.isHidden('#record'));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan', 'the scan field has the focus again');

    // Nothing to read: the stop button ends the camera and gives the focus back to the scan field.
    await page.evaluate(() => { cameraSeen.text = null; cameraSeen.delay = 0; });
    await page.click('#camera');
    await page.waitForSelector('#camera-box', { state: 'visible' });
    await page.waitForSelector('#camera-status:text("Montrez le QR code")');
    await page.click('#camera-stop');
    s = await seen();
    assert.equal(s.live, 0, 'the stop button ends the camera');
    assert.equal(s.box, false);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan', 'the scan field has the focus again');
    // The scanner still works after the camera.
    await shop.scan(shop.pass('green: valid, allowed'));
    assert.match((await shop.verdict('green')).details, /La Louve/);
  },

  // Coopalim allows 3 visits: the 3rd is orange (last allowed), the 4th red; a manager override
  // records it anyway, marked as such.
  'visit-limit': async (shop, artefacts) => {
    const { page } = shop;
    await shop.signIn();
    const sam = shop.pass('orange: last_allowed_visit');
    await shop.scan(sam);
    let v = await shop.verdict('orange');
    assert.equal(v.reason, 'Dernière visite autorisée');
    assert.match(v.details, /2 déjà, sur 3 autorisées/);
    await shop.screenshot(artefacts, 'orange-last-visit.png');
    await page.keyboard.type('8');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#record-status:text("Enregistré")');
    await shop.scan(sam);
    v = await shop.verdict('red');
    assert.equal(v.headline, 'REFUSÉ');
    assert.equal(v.reason, 'Nombre de visites autorisé atteint');
    assert.match(v.details, /3 déjà, sur 3 autorisées/);
    assert.ok(await page.isHidden('#record'));
    assert.ok(await page.isVisible('#override-open'));
    await shop.screenshot(artefacts, 'red-limit.png');
    await page.click('#override-open');
    assert.ok(await page.isVisible('#override-banner'));
    assert.match(await page.textContent('#record-submit'), /dérogation/);
    await page.keyboard.type('4,00');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#record-status:text("Enregistré")');
    await page.waitForSelector('#today tr:nth-child(2)');
    assert.match(await page.innerText('#today'), /dérogation/);
    const rows = (await shop.api('/v1/visits')).visits.filter(r => r.till === 'caisse-1' && r.origin_coop_name === 'Les 400 Coop' && r.amount_cents === 400);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].override, true);
    await shop.scan(sam);
    assert.match((await shop.verdict('red')).details, /4 déjà, sur 3 autorisées/);
  },

  // The English switch: texts and verdicts in English, kept across a reload, and back to French.
  'english-switch': async (shop, artefacts) => {
    const { page } = shop;
    await shop.signIn();
    assert.equal(await page.textContent('#lang'), 'English');
    await page.click('#lang');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('#scan-title'), 'Scan the pass');
    assert.equal(await page.textContent('#lang'), 'Français');
    await page.focus('#scan');
    await shop.scan(shop.pass('red: expired'));
    let v = await shop.verdict('red');
    assert.equal(v.headline, 'REFUSED');
    assert.equal(v.reason, 'Pass expired');
    await page.reload();
    await page.waitForSelector('#scan', { state: 'visible' });
    assert.equal(await page.textContent('#scan-title'), 'Scan the pass', 'the choice is kept');
    await shop.scan(azerty(shop.pass('green: valid, allowed')));
    v = await shop.verdict('orange');
    assert.equal(v.headline, 'WELCOME — CAUTION');
    assert.equal(v.reason, 'Visitor welcome');
    assert.match(v.warnings[0], /Scanner set to the wrong keyboard layout/);
    assert.match(v.details, /Valid until\s+\d{4}-\d\d-\d\d/);
    await shop.screenshot(artefacts, 'english.png');
    await page.click('#lang');
    assert.equal(await page.textContent('#scan-title'), 'Scanner le pass');
    assert.equal(await shop.verdict('orange').then(x => x.headline), 'ACCEPTÉ — ATTENTION', 'the verdict follows the switch');
  }
};

// Chromium flags some scenarios need on top of the usual ones.
const chromiumArgs = {
  camera: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']
};

const [passkoopd, artefacts, name] = process.argv.slice(2);
if (name === 'list') {
  console.log(Object.keys(scenarios).join('\n'));
  process.exit(0);
}
if (!passkoopd || !artefacts || !scenarios[name]) {
  console.error('usage: node scenarios.mjs PASSKOOPD ARTEFACT_DIR ' + Object.keys(scenarios).join('|'));
  process.exit(2);
}
const started = Date.now();
try {
  await withShop(passkoopd, shop => scenarios[name](shop, artefacts), { chromiumArgs: chromiumArgs[name] });
  console.log(`${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (e) {
  console.error(`${name}: FAILED\n${e.stack || e}`);
  process.exit(1);
}
