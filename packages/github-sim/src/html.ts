const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: unknown) => String(value).replace(/[&<>"']/g, (ch) => entities[ch]!);

/** A plain page in the simulator's look: enough for a person or a browser test to click through. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · GitHub (simulator)</title>
<style>body{font:14px system-ui,sans-serif;max-width:720px;margin:40px auto;color:#1f2328}h1{font-size:20px}
.box{border:1px solid #d0d7de;border-radius:6px;padding:16px;margin:12px 0}button{background:#1f883d;color:#fff;border:0;border-radius:6px;padding:6px 14px;font-size:14px;cursor:pointer}
label{display:block;margin:4px 0}.muted{color:#59636e}</style></head><body><p class="muted">GitHub simulator</p>${body}</body></html>`;
}
