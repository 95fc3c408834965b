/** The small HTML page of GET /user: the asking user's name, avatar, device and group counts. */
import escapeHtml from 'escape-html';
import type { UserRecord } from '../stores/types.js';

/** Nothing runs on this page; images may come from the host app's CDN. */
export const USER_PAGE_CSP =
  "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

export function renderUserPage(userId: string, user: UserRecord | null): string {
  const name = escapeHtml(user?.name || userId);
  const avatarUrl = user?.imageUrl && /^https?:\/\//.test(user.imageUrl) ? escapeHtml(user.imageUrl) : '';
  const avatar = avatarUrl
    ? `<img class="avatar" src="${avatarUrl}" alt="" width="64" height="64" referrerpolicy="no-referrer">`
    : `<div class="avatar placeholder" aria-hidden="true">${escapeHtml((user?.name || userId).slice(0, 1).toUpperCase())}</div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name}</title>
<style>
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 24px; color: #1f2328; background: #fff; }
  .card { display: flex; gap: 16px; align-items: center; max-width: 480px; }
  .avatar { width: 64px; height: 64px; border-radius: 50%; object-fit: cover; flex: none; }
  .placeholder { display: flex; align-items: center; justify-content: center; background: #e7ecf0; font-size: 28px; color: #57606a; }
  h1 { font-size: 20px; margin: 0 0 4px; word-break: break-word; }
  dl { display: grid; grid-template-columns: auto auto; gap: 2px 16px; margin: 0; color: #57606a; }
  dd { margin: 0; color: #1f2328; font-variant-numeric: tabular-nums; }
  .id { color: #57606a; font-size: 13px; margin: 0 0 8px; word-break: break-all; }
</style>
</head>
<body>
<main class="card">
  ${avatar}
  <section>
    <h1>${name}</h1>
    <p class="id">${escapeHtml(userId)}</p>
    <dl>
      <dt>Devices</dt><dd id="device-count">${user?.deviceCount ?? 0}</dd>
      <dt>Groups</dt><dd id="group-count">${user?.groupCount ?? 0}</dd>
    </dl>
  </section>
</main>
</body>
</html>
`;
}
