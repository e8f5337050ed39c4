import "@mantine/core/styles.css";
import "./app/app.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";

// The server puts a fresh nonce for each page load into this meta tag; Mantine's <style> tags
// carry it, so the Content-Security-Policy needs no 'unsafe-inline'.
const nonce = document.querySelector<HTMLMetaElement>('meta[name="airlock-style-nonce"]')?.content;
const styleNonce = nonce && !nonce.startsWith("__") ? nonce : undefined;
// Modals lock scrolling with react-remove-scroll, whose <style> tag takes its nonce from here
// (the get-nonce convention).
if (styleNonce) (globalThis as { __webpack_nonce__?: string }).__webpack_nonce__ = styleNonce;

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App styleNonce={styleNonce} />
  </StrictMode>,
);
