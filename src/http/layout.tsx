/**
 * @module
 * The pages' frame: one stylesheet, no script, and timestamps to the minute.
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#111827;padding:0 16px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:6px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}th{font-weight:600;color:#374151}
.ok{color:#047857}.bad{color:#b91c1c}.muted{color:#6b7280}.bar{background:#e5e7eb;height:10px;border-radius:5px;width:240px}
.bar>div{background:#6366f1;height:10px;border-radius:5px}.msg{border:1px solid #e5e7eb;border-radius:8px;padding:10px;margin:10px 0}
.user{background:#f9fafb}.assistant{background:#eef2ff}pre{white-space:pre-wrap;margin:4px 0;font-size:12px}
.tool{border-left:3px solid #6366f1;padding-left:8px;margin:6px 0}.tool.error{border-color:#b91c1c}code{font-size:12px}
.nowrap{white-space:nowrap}pre.result{max-height:24em;overflow:auto}.tool-result{margin:4px 0}
.tool-result>summary{cursor:pointer;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}`;

/** A timestamp to the minute on one line (ISO wraps at its hyphens in narrow columns); the exact value on hover. */
export function At({ iso }: { iso: string }) {
  return <span class="nowrap" title={iso}>{iso.slice(0, 16).replace("T", " ")}</span>;
}

export function Layout({ title, children }: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>{title}</title>
        {/* raw: JSX escapes text, and an escaped ">" silently kills every child selector (the budget bar's fill). */}
        <style>{raw(STYLE)}</style>
      </head>
      <body>{children}</body>
    </html>
  );
}
