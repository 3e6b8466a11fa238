// "Connect your tools": one-click setup per tool (renderTools, over
// /api/connect), and copy-ready settings for OpenAI-compatible tools,
// Claude Code, Codex CLI, Cline, Continue, aider and curl, each with a Copy button.
import {h, icon, toast} from './ui.js';

// renderSnippets fills container for a gateway at addr (host:port). token
// says clients must send the client token; model is an example model name.
export function renderSnippets(container, {addr, token, model}) {
  const base = `http://${addr}`;
  const shellKey = token ? '"$SWITCHYARD_TOKEN"' : 'switchyard';
  const uiKey = token ? 'your client token (SWITCHYARD_TOKEN)' : 'switchyard';
  const keyHint = token
    ? 'This gateway requires its client token (SWITCHYARD_TOKEN) as the API key.'
    : 'Any non-empty API key works: Switchyard replaces it with the backend\'s own key.';
  const items = [
    ['OpenAI-compatible tools', `Base URL for any OpenAI SDK or tool. ${keyHint}`, `${base}/v1`],
    ['Claude Code', token
      ? 'Set these before starting claude. Claude Code sends the token; Switchyard checks it and uses the backend\'s own key upstream.'
      : 'Set this before starting claude. Switchyard uses the backend\'s own key upstream.',
    `export ANTHROPIC_BASE_URL=${base}` + (token ? '\nexport ANTHROPIC_AUTH_TOKEN="$SWITCHYARD_TOKEN"' : '')],
    ['Codex CLI', 'Add to ~/.codex/config.toml (Codex speaks the Responses API: wire_api = "responses"), then run codex as usual.',
      `model = "${model}"\nmodel_provider = "switchyard"\n\n[model_providers.switchyard]\nname = "Switchyard"\n` +
      `base_url = "${base}/v1"\nwire_api = "responses"\nenv_key = "${token ? 'SWITCHYARD_TOKEN' : 'SWITCHYARD_API_KEY'}"` +
      (token ? '' : '\n\n# and in your shell:\n# export SWITCHYARD_API_KEY=switchyard')],
    ['Cline', 'Settings → API Provider. Any model name a backend\'s rule accepts will do.',
      `API Provider: OpenAI Compatible\nBase URL:     ${base}/v1\nAPI Key:      ${uiKey}\nModel ID:     ${model}`],
    ['Continue', 'Add to ~/.continue/config.yaml.',
      `models:\n  - name: Switchyard\n    provider: openai\n    model: ${model}\n    apiBase: ${base}/v1\n    apiKey: ${token ? '<your SWITCHYARD_TOKEN>' : 'switchyard'}`],
    ['aider', 'The openai/ prefix tells aider to use an OpenAI-compatible endpoint.',
      `aider --openai-api-base ${base}/v1 \\\n      --openai-api-key ${shellKey} \\\n      --model openai/${model}`],
    ['curl', 'A quick check from a terminal.',
      `curl ${base}/v1/chat/completions \\\n  -H 'Content-Type: application/json' \\\n` +
      (token ? '  -H "Authorization: Bearer $SWITCHYARD_TOKEN" \\\n' : '') +
      `  -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`],
  ];
  container.replaceChildren(...items.map(([title, hint, code]) => h('section', {class: 'card snippet'},
    h('div', {class: 'snippet-head'}, h('h3', null, title), copyButton(code, title)),
    h('p', {class: 'hint'}, hint),
    h('pre', null, h('code', null, code)))));
}

function copyButton(text, what) {
  const btn = h('button', {class: 'btn btn-small copy', type: 'button', 'aria-label': `Copy ${what} snippet`}, icon('copy'), 'Copy');
  btn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      btn.replaceChildren(icon('check'), 'Copied');
      setTimeout(() => btn.replaceChildren(icon('copy'), 'Copy'), 1600);
    } catch (_) {
      const code = btn.closest('.snippet').querySelector('pre code');
      const range = document.createRange();
      range.selectNodeContents(code);
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      toast('Selected: press Ctrl+C (⌘C) to copy');
    }
  });
  return btn;
}

// ---- one-click setup ----
// renderTools fills container with one card per tool from GET /api/connect:
// a status badge, the files setup edits, "Set up" and "Undo" buttons.
// act(id, action) posts the action and resolves to the answer, or rejects
// with an Error whose message is the gateway's. editable: this browser
// holds a session (else the buttons are disabled). notes: the last
// result's notes per tool id; errors: the last error per tool id.
// Paths under home show as ~/….
export function renderTools(container, {tools, home, editable, busy, notes, errors, act}) {
  const short = (text) => (home && text ? text.split(home + '/').join('~/') : text);
  container.replaceChildren(...tools.map((t) => toolCard(t, {editable, busy: busy === t.id, short,
    note: short(notes.get(t.id)), error: short(errors.get(t.id)), act})));
}

function toolCard(t, {editable, busy, note, error, short, act}) {
  let badge;
  if (t.error) badge = h('span', {class: 'tag tag-bad', title: short(t.error)}, 'config does not parse');
  else if (t.connected) badge = h('span', {class: 'tag tag-ok'}, 'points at Switchyard');
  else badge = h('span', {class: 'tag'}, 'not set up');
  const lockTip = editable ? null : 'Open the dashboard from the tray to set tools up';
  const setUp = h('button', {class: 'btn btn-small btn-primary', type: 'button', data: {act: 'apply'},
    disabled: !editable || busy || !!t.error || (t.connected && !(t.pending && t.pending.length)),
    title: lockTip || (t.connected ? `${t.name} already points at Switchyard` : `Point ${t.name} at Switchyard`)},
  t.connected && t.pending && t.pending.length ? 'Update' : 'Set up');
  const undo = h('button', {class: 'btn btn-small', type: 'button', data: {act: 'undo'},
    disabled: !editable || busy || !!t.error || !(t.connected || t.undo),
    title: lockTip || (t.undo ? `Put ${t.name}'s files back as they were` : `Take ${t.name} off Switchyard`)}, 'Undo');
  setUp.addEventListener('click', () => act(t.id, 'apply'));
  undo.addEventListener('click', () => act(t.id, 'undo'));
  return h('section', {class: 'card tool', data: {tool: t.id, state: t.error ? 'error' : t.connected ? 'connected' : 'off'}},
    h('div', {class: 'snippet-head'}, h('h3', null, t.name), badge),
    h('p', {class: 'hint'}, t.description),
    h('ul', {class: 'tool-files'}, (t.files || []).map((f) => h('li', {title: f}, h('code', null, short(f))))),
    t.error ? h('p', {class: 'form-error tool-error', role: 'alert'}, `Config does not parse: ${short(t.error)}`) : null,
    error ? h('p', {class: 'form-error tool-error', role: 'alert'}, error) : null,
    note ? h('p', {class: 'hint tool-note'}, note) : null,
    h('div', {class: 'form-actions'}, setUp, undo));
}
