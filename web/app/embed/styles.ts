// The modal around the flow's iframe, on whatever page embeds it: phone-first (the whole
// screen), a centred panel on wider screens. Every rule is scoped to .crossbill-cf and sets
// what it relies on, so the host page's own CSS neither leaks in nor gets touched.
export const CANCEL_FLOW_CSS = `
.crossbill-cf {
  box-sizing: border-box;
  position: fixed;
  inset: 0;
  width: 100%;
  height: 100%;
  max-width: 100%;
  max-height: 100%;
  margin: 0;
  padding: 0;
  border: 0;
  border-radius: 0;
  overflow: hidden;
  background: #ffffff;
  color: #111827;
  z-index: 2147483647;
}
.crossbill-cf:not([open]) { display: none; }
.crossbill-cf::backdrop { background: rgb(15 23 20 / 0.55); }
@media (min-width: 40rem) {
  .crossbill-cf {
    inset: 0;
    margin: auto;
    width: min(32rem, calc(100% - 2rem));
    height: min(44rem, calc(100% - 2rem));
    border-radius: 16px;
    box-shadow: 0 12px 48px rgb(0 0 0 / 0.3);
  }
}
.crossbill-cf__frame {
  position: absolute;
  inset: 0;
  display: block;
  width: 100%;
  height: 100%;
  border: 0;
  opacity: 0;
  transition: opacity 120ms ease-out;
}
.crossbill-cf[data-loaded] .crossbill-cf__frame { opacity: 1; }
.crossbill-cf__loading {
  position: absolute;
  inset: 45% 0 auto;
  margin: 0;
  text-align: center;
  font: 400 1rem/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: #55625e;
}
.crossbill-cf__close {
  position: absolute;
  top: max(0.5rem, env(safe-area-inset-top));
  right: max(0.5rem, env(safe-area-inset-right));
  z-index: 1;
  box-sizing: border-box;
  width: 2.75rem;
  height: 2.75rem;
  margin: 0;
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: rgb(17 24 39 / 0.72);
  color: #ffffff;
  font: 600 1.5rem/1 system-ui, -apple-system, "Segoe UI", sans-serif;
  cursor: pointer;
}
.crossbill-cf__close:focus-visible { outline: 3px solid #2b8cff; outline-offset: 2px; }
@media (prefers-reduced-motion: reduce) { .crossbill-cf__frame { transition: none; } }
`;
