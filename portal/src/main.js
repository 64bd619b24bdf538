// The portal: sign in, then the pages of whoever signed in, chosen by what the chain says
// they are (their organisation's kind and their roles) or by their enrolment (residents).
import { h, fill } from './dom.js';
import { initLanguage, language, setLanguage, t } from './i18n.js';
import { ApiError, NeedKey, currentSession, endSession, startSession } from './api.js';
import { keyForm } from './pages/signin.js';
import { committeePages } from './pages/committee.js';
import { adminPages } from './pages/admin.js';
import { auditorPages } from './pages/auditor.js';
import { departmentPages } from './pages/department.js';
import { residentPages } from './pages/resident.js';

const main = () => document.getElementById('main');

/** The pages for `who` (GET /v1/session), in tab order: [{id, label, render(el)}]. */
export function pagesFor(who) {
  if (who.kind === 'resident') return residentPages();
  const roles = new Set(who.roles);
  const pages = [];
  if (who.org_kind === 'committee') {
    if (roles.has('recorder') || roles.has('admin')) pages.push(...committeePages(roles));
    if (roles.has('admin')) pages.push(...adminPages(who));
  }
  if (who.org_kind === 'subdistrict') {
    if (roles.has('auditor') || roles.has('admin')) pages.push(...auditorPages());
    if (roles.has('privacy_reviewer')) pages.push(...adminPages(who, { reviewsOnly: true }));
  }
  if (who.org_kind === 'department') {
    pages.push(...departmentPages(who));
    if (roles.has('privacy_reviewer')) pages.push(...adminPages(who, { reviewsOnly: true }));
  }
  return pages;
}

function chrome(who) {
  document.title = t('app.title');
  document.querySelector('.skip').textContent = t('app.skip');
  const lang = document.getElementById('lang');
  lang.textContent = t('app.lang');
  lang.setAttribute('lang', language() === 'zh-CN' ? 'en' : 'zh-CN');
  const signout = document.getElementById('signout');
  signout.hidden = !who;
  signout.textContent = t('app.signout');
  document.getElementById('who').textContent = who ? t('app.signed_in_as', { org: who.org, address: who.address }) : '';
  document.getElementById('tabs').setAttribute('aria-label', t('app.title'));
}

function showError(el, e) {
  fill(el, h('p.message.error', { role: 'alert', text: t('app.error', { detail: e.message }) }));
}

/** Render the page named by the URL's #fragment (the first page by default). */
async function route(who) {
  const pages = pagesFor(who);
  const nav = document.getElementById('tabs');
  const wanted = location.hash.replace(/^#\/?/, '');
  const page = pages.find((p) => p.id === wanted) ?? pages[0];
  fill(nav, pages.map((p) => h('a.tab', {
    href: `#/${p.id}`, 'aria-current': p === page ? 'page' : null, text: t(p.label),
  })));
  const el = fill(main(), h('p', { text: t('app.loading') }));
  if (!page) { fill(el, h('p', { text: t('app.no_pages') })); return; }
  try {
    await page.render(el, who);
  } catch (e) {
    if (!(e instanceof NeedKey)) showError(el, e);
  }
  el.dataset.page = page.id;
  document.body.dataset.ready = page.id;
}

function signInPage() {
  chrome(null);
  fill(document.getElementById('tabs'));
  fill(main(), keyForm({ title: t('signin.title'), intro: t('signin.intro'), submit: t('signin.submit') },
    async (_address, message) => {
      message.textContent = t('signin.signing');
      const who = await startSession();
      await start(who);
    }));
  document.body.dataset.ready = 'signin';
}

async function start(who) {
  chrome(who);
  await route(who);
}

async function boot() {
  initLanguage();
  document.querySelector('.skip').addEventListener('click', (event) => { // not a route: focus the content
    event.preventDefault();
    main().focus();
  });
  document.getElementById('lang').addEventListener('click', async () => {
    setLanguage(language() === 'zh-CN' ? 'en' : 'zh-CN');
    const who = await currentSession();
    if (who) await start(who); else signInPage();
  });
  document.getElementById('signout').addEventListener('click', async () => {
    await endSession();
    location.hash = '';
    signInPage();
  });
  window.addEventListener('hashchange', async () => {
    const who = await currentSession();
    if (who) await route(who); else signInPage();
  });
  try {
    const who = await currentSession();
    if (who) await start(who); else signInPage();
  } catch (e) {
    showError(main(), e instanceof ApiError ? e : new Error(String(e.message)));
  }
}

if (typeof document !== 'undefined') boot();
