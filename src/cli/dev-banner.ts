// What `airlock dev` adds to the pages it serves: the error banner script, and a page of its own
// while no version of the workspace has compiled yet. The script polls `/__airlock/dev`; it shows
// the located error while the workspace does not compile and reloads the page when a new version
// serves. Under this repository's Vite dev server the same script is added to Vite's page and the
// two paths are proxied to the API (cli/dev-command.ts).

export const DEV_STATUS_PATH = "/__airlock/dev";
export const DEV_SCRIPT_PATH = "/__airlock/dev.js";
export const DEV_SCRIPT_TAG = `<script src="${DEV_SCRIPT_PATH}"></script>`;

/** Each HTML page gets the banner script (same origin: the CSP's script-src 'self' allows it). */
export async function withDevScript(response: Response): Promise<Response> {
  if (!response.headers.get("content-type")?.startsWith("text/html")) return response;
  const html = await response.text();
  const body = html.includes("</body>")
    ? html.replace("</body>", `${DEV_SCRIPT_TAG}</body>`)
    : `${html}${DEV_SCRIPT_TAG}`;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/** The page served while no version of the workspace has compiled: the banner says why. */
export function waitingPage(): Response {
  const html = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><title>Airlock dev: the workspace does not compile</title></head>',
    "<body><main><h1>Airlock dev</h1>",
    "<p>The workspace has not compiled since the server started. Fix the error shown above and save: this page reloads by itself.</p>",
    `</main>${DEV_SCRIPT_TAG}</body></html>`,
  ].join("");
  return new Response(html, {
    status: 503,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

export function devScriptResponse(): Response {
  return new Response(DEV_SCRIPT, {
    headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" },
  });
}

// Styles set through the CSSOM (no inline style attribute, which the CSP refuses).
const DEV_SCRIPT = `(() => {
  let seen = null;
  const show = (error, serving) => {
    let box = document.getElementById("airlock-dev-overlay");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "airlock-dev-overlay";
      box.setAttribute("role", "alert");
      Object.assign(box.style, { position: "fixed", top: "0", left: "0", right: "0", zIndex: "2147483647",
        background: "#5c0011", color: "#fff", font: "13px/1.5 ui-monospace, monospace", padding: "12px 16px",
        whiteSpace: "pre-wrap", maxHeight: "50vh", overflow: "auto", boxShadow: "0 2px 8px rgba(0,0,0,.4)" });
      document.body.appendChild(box);
    }
    box.textContent = (serving
      ? "The workspace does not compile; the previous version keeps serving.\\n"
      : "The workspace does not compile; nothing serves until it does.\\n") +
      (error.at ? "at " + error.at + "\\n" : "") + error.message;
  };
  const poll = async () => {
    try {
      const status = await (await fetch("${DEV_STATUS_PATH}", { cache: "no-store" })).json();
      if (seen !== null && status.version !== seen && !status.error) {
        // The console refetches what it shows, without loading the page again; any other page reloads.
        if (document.documentElement.dataset.airlockRefresh !== "queries") return location.reload();
        window.dispatchEvent(new Event("airlock:workspace-reloaded"));
      }
      seen = status.version;
      show(status.error, status.version > 0);
    } catch {}
    setTimeout(poll, 250);
  };
  poll();
})();
`;
