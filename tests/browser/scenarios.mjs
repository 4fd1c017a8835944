// The cashier page in a real browser. Usage:
//   node scenarios.mjs PASSKOOPD ARTEFACT_DIR SCENARIO     (SCENARIO: one of the names below, or "list")
// Each run starts its own demo shop (Coopalim, 3 visits per 365 days) and its own Chromium.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { withShop, azerty, SCREENS } from './harness.mjs';

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
    assert.equal(download.suggestedFilename(), `visiteurs-${previous}.csv`);
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

  // Another coop's trial pass says what it is and offers no override; neither it nor our own
  // member shows a visit count that means nothing for them.
  'trial-pass-other-coop': async (shop, artefacts) => {
    const { page } = shop;
    await shop.signIn();
    for (const [screen, size] of Object.entries(SCREENS)) {
      await page.setViewportSize(size);
      await shop.scan(shop.pass('red: tester_other_coop'));
      const v = await shop.verdict('red');
      assert.equal(v.headline, 'REFUSÉ');
      assert.equal(v.reason, "Pass d'essai : valable seulement dans la coop qui l'a émis");
      assert.doesNotMatch(v.reason, /n'accueille pas/);
      assert.match(v.details, /Test T\. · n° 99 \(pass d’essai\)/);
      assert.doesNotMatch(v.details, /Visites ici/, 'no visit count for a trial pass');
      assert.ok(await page.isHidden('#override-open'), 'no override for a trial pass');
      assert.ok(await page.isHidden('#record'));
      assert.ok(await shop.onScreen('#reason'), `the reason is on screen (${screen})`);
      await shop.screenshot(artefacts, `trial-pass-${screen}.png`, { fullPage: false });

      await shop.scan(shop.pass('red: own_member'));
      const own = await shop.verdict('red');
      assert.equal(own.reason, 'Membre de notre coop : pas un visiteur');
      assert.match(own.details, /Inès M\./);
      assert.doesNotMatch(own.details, /Visites ici/, 'no visit count for our own member');
      assert.ok(await page.isHidden('#override-open'));
      await shop.screenshot(artefacts, `own-member-${screen}.png`, { fullPage: false });
    }
    // Whoever sends an override for it anyway is refused by the server: nothing is recorded.
    const answer = await page.evaluate(async ({ pass, token }) => {
      const res = await fetch('/v1/visits', { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ pass, override: true, kind: 'purchase', amount_cents: 500, currency: 'EUR', till: 'caisse-1',
          idempotency_key: '7f8a3a56-93a4-4c55-9d3c-4b7d9d1f6a10' }) });
      return { status: res.status, body: await res.json() };
    }, { pass: shop.pass('red: tester_other_coop'), token: shop.cashierToken });
    assert.equal(answer.status, 422);
    assert.equal(answer.body.verification.policy.decision, 'tester_other_coop');
    // A limit reached still offers the override (the case it exists for).
    await shop.scan(shop.pass('red: limit_reached'));
    assert.match((await shop.verdict('red')).details, /3 déjà, sur 3 autorisées/);
    assert.ok(await page.isVisible('#override-open'));
  },

  // The manager's "Export des visites (CSV)" gives the month chosen, in French words.
  'export-month': async (shop, artefacts) => {
    const { page } = shop;
    await shop.signIn(shop.managerToken);
    await page.waitForSelector('#manager', { state: 'visible' });
    const month = await page.inputValue('#month');
    const [year, mon] = month.split('-').map(Number);
    const previous = mon === 1 ? `${year - 1}-12` : `${year}-${String(mon - 1).padStart(2, '0')}`;
    const all = (await shop.api('/v1/visits?limit=500')).visits;
    const exported = async chosen => {
      await page.fill('#month', chosen);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
      assert.equal(download.suggestedFilename(), `visiteurs-${chosen}.csv`);
      const text = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
      const lines = text.split('\r\n').filter(Boolean);
      assert.match(lines[0], /^N°;Date;Heure;/);
      return lines.slice(1).map(l => l.split(';'));
    };
    for (const chosen of [month, previous]) {
      const rows = await exported(chosen);
      const [y, m] = chosen.split('-');
      assert.ok(rows.length > 0, `the demo has visits in ${chosen}`);
      for (const r of rows) assert.match(r[1], new RegExp(`^\\d\\d/${m}/${y}$`), `row ${r[0]} is in ${chosen}`);
      // Exactly the ledger's rows of that local month: the whole ledger has more.
      const inMonth = all.filter(v => {
        const d = new Date(v.occurred_at);
        return d.getFullYear() === Number(y) && d.getMonth() + 1 === Number(m);
      });
      assert.deepEqual(rows.map(r => Number(r[0])).sort((a, b) => a - b), inMonth.map(v => v.id).sort((a, b) => a - b));
      assert.ok(rows.length < all.length, 'not the whole ledger');
      // The decision in words, as the cashier read it; no English code in a French export.
      for (const r of rows) assert.equal(r[10], 'Visiteur accepté');
      assert.doesNotMatch(rows.join('\n'), /allowed|declared/);
    }
    // No month chosen: said plainly, nothing downloaded.
    await page.fill('#month', '');
    await page.click('#export-csv');
    await page.waitForSelector('#manager-error:text("Choisissez un mois")');
    await page.fill('#month', month);
    await page.click('#report');
    await page.waitForSelector('#report-box', { state: 'visible' });
    for (const [screen, size] of Object.entries(SCREENS)) {
      await page.setViewportSize(size);
      await page.locator('#manager').scrollIntoViewIfNeeded();
      await shop.screenshot(artefacts, `manager-${screen}.png`, { fullPage: false });
    }
  },

  // On a phone: the verdict stays in sight when the amount field takes the focus, the
  // confirmation shows without scrolling, and the report's amounts need no sideways scroll.
  'phone': async (shop, artefacts) => {
    const { page } = shop;
    await page.setViewportSize(SCREENS.phone);
    await shop.signIn(shop.managerToken);
    for (const [pass, color, amount] of [['green: valid, allowed', 'green', '12,50'], ['orange: last_allowed_visit', 'orange', '8']]) {
      await shop.scan(shop.pass(pass));
      await shop.verdict(color);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'amount', 'the amount field has the focus');
      for (const part of ['#headline', '#reason', '#amount'])
        assert.ok(await shop.onScreen(part), `${part} is on screen after a ${color} scan`);
      await shop.screenshot(artefacts, `phone-${color}.png`, { fullPage: false });
      await page.keyboard.type(amount);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#record-status:text("Enregistré")');
      assert.ok(await shop.onScreen('#record-status'), `the confirmation is on screen after a ${color} visit`);
      // After a short green verdict both fit: the scan field shows too (an orange one may push it just above).
      if (color === 'green') assert.ok(await shop.onScreen('#scan'), 'the scan field is on screen too');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'scan', 'ready for the next scan');
      await shop.screenshot(artefacts, `phone-${color}-recorded.png`, { fullPage: false });
    }
    // With the phone's keyboard open (about a third of the screen), the verdict and the field still show.
    await page.setViewportSize({ width: 390, height: 520 });
    await shop.scan(shop.pass('green: valid, allowed'));
    await shop.verdict('green');
    for (const part of ['#headline', '#reason', '#amount']) assert.ok(await shop.onScreen(part), `${part} is on screen above the keyboard`);
    await shop.screenshot(artefacts, 'phone-keyboard.png', { fullPage: false });
    await page.keyboard.press('Escape');
    await page.setViewportSize(SCREENS.phone);
    await page.waitForSelector('#today tr:nth-child(2)');
    assert.ok(await shop.overflowX() <= 0, 'no sideways scroll for the page');
    const todayWrap = await page.evaluate(() => { const w = document.getElementById('today').closest('.table-wrap'); return w.scrollWidth - w.clientWidth; });
    assert.ok(todayWrap <= 0, `no sideways scroll for today's visits (${todayWrap} px)`);
    // Every cell as "column=text": on a phone each row is a block whose cells name their column.
    const labelled = body => page.evaluate(q => [...document.querySelectorAll(q + ' td')].map(td => `${td.dataset.label}=${td.innerText}`), body);
    assert.ok((await labelled('#today')).some(c => /^Montant=12,50\s€$/.test(c)), 'each cell carries its column name');
    await page.click('#report');
    await page.waitForSelector('#report-box', { state: 'visible' });
    assert.ok(await shop.overflowX() <= 0, `no sideways scroll for the report (${await shop.overflowX()} px)`);
    const cells = await page.evaluate(() => [...document.querySelectorAll('#report-rows td')].map(td => ({
      text: td.innerText, right: td.getBoundingClientRect().right, box: document.getElementById('report-box').clientWidth,
      scroll: document.getElementById('report-box').scrollWidth })));
    assert.ok(cells.length >= 12);
    for (const c of cells) {
      assert.ok(c.right <= SCREENS.phone.width, `"${c.text}" fits the screen (right edge ${c.right})`);
      assert.ok(c.scroll <= c.box, 'the report box does not scroll sideways');
    }
    assert.ok((await labelled('#report-rows')).some(c => /^Achats=\d+,\d\d\s€$/.test(c)));
    await page.locator('#report-box').scrollIntoViewIfNeeded();
    await shop.screenshot(artefacts, 'phone-report.png', { fullPage: false });
    // The same page on a till's screen keeps its tables.
    await page.setViewportSize(SCREENS.desktop);
    assert.ok(await page.isVisible('#report-box thead'));
    await shop.screenshot(artefacts, 'desktop-report.png');
  },

  // Each light has its own sound, made with Web Audio; the till's settings turn them off, and
  // that choice survives a reload.
  'sounds': async (shop, artefacts) => {
    const { page } = shop;
    await page.addInitScript(() => {
      const played = window.soundsPlayed = [];
      const Real = window.AudioContext;
      window.AudioContext = class extends Real {
        createOscillator() {
          const osc = super.createOscillator();
          const note = { wave: null, frequency: null, start: null, stop: null };
          const set = osc.frequency.setValueAtTime.bind(osc.frequency);
          osc.frequency.setValueAtTime = (value, at) => { set(value, at); note.frequency = value; return osc.frequency; };
          const start = osc.start.bind(osc), stop = osc.stop.bind(osc);
          osc.start = at => { start(at); note.wave = osc.type; note.start = at; played.push(note); };
          osc.stop = at => { stop(at); note.stop = at; };
          return osc;
        }
      };
    });
    await shop.signIn();
    assert.equal(await page.isChecked('#sound'), true, 'sounds are on by default');
    const heard = async (pass, color) => {
      const before = await page.evaluate(() => soundsPlayed.length);
      await shop.scan(shop.pass(pass));
      await shop.verdict(color);
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
      const notes = await page.evaluate(n => soundsPlayed.slice(n), before);
      // The notes as heard: wave, pitch, length and gap after the first, in milliseconds.
      return notes.map(n => `${n.wave} ${n.frequency} Hz ${Math.round((n.stop - n.start) * 1000)} ms @${Math.round((n.start - notes[0].start) * 1000)}`).join(', ');
    };
    const green = await heard('green: valid, allowed', 'green');
    const orange = await heard('orange: last_allowed_visit', 'orange');
    const red = await heard('red: expired', 'red');
    assert.equal(green, 'sine 1320 Hz 150 ms @0');
    assert.equal(orange, 'triangle 660 Hz 120 ms @0, triangle 660 Hz 120 ms @200');
    assert.equal(red, 'square 196 Hz 600 ms @0');
    assert.equal(await heard('orange: valid, keyboard_layout_repaired', 'orange'), orange, 'every orange sounds the same');
    // Off in the till's settings: silent, and still off after a reload.
    await page.click('summary');
    await page.uncheck('#sound');
    await shop.screenshot(artefacts, 'sound-setting.png');
    assert.equal(await heard('green: valid, allowed', 'green'), '');
    await page.reload();
    await page.waitForSelector('#scan', { state: 'visible' });
    assert.equal(await page.isChecked('#sound'), false, 'the choice is kept');
    assert.equal(await heard('red: revoked', 'red'), '');
    await page.click('summary');
    await page.check('#sound');
    assert.equal(await heard('red: revoked', 'red'), red);
    for (const [screen, size] of Object.entries(SCREENS)) {
      await page.setViewportSize(size);
      await shop.screenshot(artefacts, `settings-${screen}.png`, { fullPage: false });
    }
  },

  // The registry's version and date in the header; a manager warned from 30 days before it expires,
  // everyone once it has, with the dates. The server's status is real; for the later days, its
  // dates are moved as the server would give them then.
  'registry-freshness': async (shop, artefacts) => {
    const { page } = shop;
    const real = await shop.api('/v1/status');
    const frDay = iso => { const d = new Date(iso); return `${String(d.getDate()).padStart(2, '0')}/${String(d.getMonth() + 1).padStart(2, '0')}/${d.getFullYear()}`; };
    await shop.signIn();
    await page.waitForSelector('#freshness', { state: 'visible' });
    assert.equal(await page.textContent('#freshness'), `Registre v${real.registry_version} · mis à jour le ${frDay(real.issued_at)}`);
    assert.ok(real.days_left > 30, 'the demo registry is fresh');
    assert.ok(await page.isHidden('#registry-banner'));
    for (const [screen, size] of Object.entries(SCREENS)) {
      await page.setViewportSize(size);
      await shop.screenshot(artefacts, `freshness-${screen}.png`, { fullPage: false });
    }
    // The same status seen some days later: `days` before expires_at (negative: after it).
    const day = 86400000;
    const later = days => async route => {
      const response = await route.fetch();
      const status = await response.json();
      const now = Date.now();
      const shift = Date.parse(status.expires_at) - days * day - now;
      const moved = iso => new Date(Date.parse(iso) - shift).toISOString().replace(/\.\d{3}Z$/, 'Z');
      status.issued_at = moved(status.issued_at);
      status.expires_at = moved(status.expires_at);
      status.refused_from = moved(status.refused_from);
      status.days_left = Math.floor(days);
      await route.fulfill({ response, json: status });
      return status;
    };
    const seen = async (token, days) => {
      await page.unroute('**/v1/status');
      let status;
      await page.route('**/v1/status', async route => { status = await later(days)(route); });
      await page.evaluate(() => localStorage.removeItem('passkoop.token'));
      await shop.signIn(token);
      await page.waitForSelector('#freshness', { state: 'visible' });
      await page.waitForFunction(v => document.getElementById('freshness').textContent.includes('v' + v), real.registry_version);
      return { status, banner: await page.isVisible('#registry-banner') ? await page.textContent('#registry-banner') : null,
               line: await page.textContent('#freshness'), stale: await page.evaluate(() => document.getElementById('freshness').classList.contains('stale')) };
    };
    // 31 days left: nobody warned. 12.5 days left: the manager only.
    assert.equal((await seen(shop.managerToken, 31.5)).banner, null);
    let s = await seen(shop.managerToken, 12.5);
    assert.equal(s.banner, `Le registre (version ${real.registry_version}) expire le ${frDay(s.status.expires_at)}, dans 12 jours : ` +
      'demandez la version suivante aux administrateurs du registre (passkoop registry renew).');
    assert.equal(s.stale, false);
    for (const [screen, size] of Object.entries(SCREENS)) {
      await page.setViewportSize(size);
      await shop.screenshot(artefacts, `renewal-due-${screen}.png`, { fullPage: false });
    }
    assert.equal((await seen(shop.cashierToken, 12.5)).banner, null, 'a cashier cannot renew: no warning for them');
    // Expired 3 days ago, within the grace: everyone sees it, with the date passes will be refused from.
    s = await seen(shop.cashierToken, -3);
    assert.equal(s.banner, `Registre (version ${real.registry_version}) non mis à jour depuis le ${frDay(s.status.expires_at)} : ` +
      `les pass restent acceptés en orange, mais tous seront refusés à partir du ${frDay(s.status.refused_from)}. Mettez à jour le registre.`);
    assert.equal(s.line, `Registre v${real.registry_version} périmé depuis le ${frDay(s.status.expires_at)}`);
    assert.equal(s.stale, true);
    for (const [screen, size] of Object.entries(SCREENS)) {
      await page.setViewportSize(size);
      await shop.screenshot(artefacts, `registry-stale-${screen}.png`, { fullPage: false });
    }
    // Past the grace: refused, in red.
    s = await seen(shop.managerToken, -200);
    assert.match(s.banner, /délai de grâce écoulé : tous les pass sont refusés/);
    assert.ok(await page.evaluate(() => document.getElementById('registry-banner').classList.contains('refused')));
    // In English too.
    await page.click('#lang');
    assert.match(await page.textContent('#registry-banner'), /its grace is over: every pass is refused/);
    assert.match(await page.textContent('#freshness'), /^Registry v\d+ out of date since \d{4}-\d\d-\d\d$/);
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
