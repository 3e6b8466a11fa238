// "Connect your tools": copy-ready settings for OpenAI-compatible tools,
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
