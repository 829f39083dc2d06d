import * as App from "../../wailsjs/go/app/App";
import { EventsOn } from "../../wailsjs/runtime/runtime";
import type { Backend } from "./backend";
import type { DayList, Settings, SetupCheck, Sheet, Status, SyncEvent } from "./types";

// The generated bindings return Wails model classes with the same JSON
// fields as our types; the casts only change the TypeScript view.
export const wailsBackend: Backend = {
  status: async () => (await App.Status()) as unknown as Status,
  day: async (date) => (await App.Day(date)) as unknown as DayList,
  sheet: async (date, appt) => (await App.Sheet(date, appt)) as unknown as Sheet,
  printHTML: (date, appt) => App.PrintHTML(date, appt ?? ""),
  sync: async (date) => {
    await App.Sync(date);
  },
  onSync: (cb) => EventsOn("sync", (e: SyncEvent) => cb(e)),
  checkSetup: async (base, id, discover) => (await App.CheckSetup(base, id, discover)) as unknown as SetupCheck,
  setup: async (base, id, name) => {
    await App.Setup(base, id, name);
  },
  signIn: async () => {
    // Start the browser sign-in, then long-poll the agent until it ends.
    let st = await App.StartSignIn();
    while (st.state === "waiting") st = await App.SignInStatus(25);
    if (st.state !== "done") throw new Error(st.error || "Sign-in did not finish. Try again.");
    return { user: st.user ?? "" };
  },
  startDemo: () => App.StartDemo(),
  settings: async () => (await App.Settings()) as unknown as Settings,
  saveSettings: (s) => App.SaveSettings(s as never),
  reset: (confirm) => App.Reset(confirm),
};
