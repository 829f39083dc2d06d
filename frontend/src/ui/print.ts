import { h } from "./dom";

/** printHTML prints a self-contained document (the agent's print view)
 *  through a hidden frame, so the window itself never shows it and the
 *  app's own styles do not touch it. The frame stays a minute: some web
 *  views return from print() before the print dialog has read the page. */
export function printHTML(html: string): void {
  document.querySelectorAll("iframe.print-frame").forEach((f) => f.remove());
  const frame = h("iframe", { class: "print-frame", title: "Print view", "aria-hidden": "true", tabindex: -1 });
  frame.addEventListener(
    "load",
    () => {
      const w = frame.contentWindow;
      if (!w) return;
      w.focus();
      w.print();
    },
    { once: true },
  );
  frame.srcdoc = html;
  document.body.appendChild(frame);
  setTimeout(() => frame.remove(), 60_000);
}
