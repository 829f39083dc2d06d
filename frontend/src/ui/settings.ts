import type { Backend } from "../api/backend";
import { errorText } from "../api/backend";
import type { Settings, Status } from "../api/types";
import { h, replace } from "./dom";

export function renderSettings(backend: Backend, status: Status, s: Settings, onSaved: (s: Settings) => void, onReset: () => void): HTMLElement {
  const msg = h("div", { "aria-live": "polite", id: "settings-msg" });
  const syncAt = h("input", { id: "sync-at", type: "time", value: s.syncAt });
  const every = h("input", { id: "sync-every", type: "number", min: 5, max: 240, value: s.syncEveryMinutes });
  const retention = h("input", { id: "retention", type: "number", min: 1, max: 90, value: s.retentionDays });
  const large = h("input", { id: "large-text", type: "checkbox", checked: s.largeText });
  const confirm = h("input", { id: "reset-confirm", autocomplete: "off", placeholder: "RESET" });

  async function save() {
    const next: Settings = {
      ...s,
      syncAt: syncAt.value,
      syncEveryMinutes: Number(every.value),
      retentionDays: Number(retention.value),
      largeText: large.checked,
    };
    try {
      await backend.saveSettings(next);
      replace(msg, h("div", { class: "notice ok" }, "Saved."));
      onSaved(next);
    } catch (e) {
      replace(msg, h("div", { class: "notice error", role: "alert" }, errorText(e)));
    }
  }

  async function reset() {
    try {
      await backend.reset(confirm.value);
      onReset();
    } catch (e) {
      replace(msg, h("div", { class: "notice error", role: "alert" }, errorText(e)));
    }
  }

  return h(
    "section",
    { class: "settings", "aria-label": "Settings" },
    h("h2", {}, "Settings"),
    h("label", { for: "sync-at" }, "Morning update time"),
    syncAt,
    h("label", { for: "sync-every" }, "Update again every (minutes, during clinic hours)"),
    every,
    h("label", { for: "retention" }, "Keep days for (days)"),
    retention,
    h("label", { class: "check" }, large, " Large text"),
    h("div", { class: "toolbar" }, h("button", { id: "save-settings", class: "primary", onclick: () => void save() }, "Save")),
    status.mode !== "unconfigured"
      ? h(
          "section",
          { class: "danger" },
          h("h3", {}, "Reset this practice"),
          h("p", {}, "Removes the practice's saved days, sign-in and keys from this computer. Type RESET to confirm."),
          confirm,
          h("button", { id: "reset", class: "danger", onclick: () => void reset() }, "Reset practice"),
        )
      : null,
    msg,
  );
}
