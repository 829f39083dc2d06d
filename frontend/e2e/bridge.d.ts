// The types of the scripted agent (stub.js): the Wails bridge it stands in
// for, with the agent's wire types (src/api/generated.ts, from agent/api).
// `tsc -p e2e` (part of npm test) checks stub.js against them, so a changed
// wire type or binding fails there before the e2e tests run.
import type { Backend } from "../src/api/backend";
import type { SyncEvent } from "../src/api/types";
import type * as Bindings from "../wailsjs/go/app/App";
import type * as Runtime from "../wailsjs/runtime/runtime";

/** GoJSON is T as Go's encoding/json sends it: a nil slice is null (the app
 *  makes them arrays at its edge, src/api/wails.ts). */
export type GoJSON<T> = T extends (infer E)[] ? GoJSON<E>[] | null : T extends object ? { [K in keyof T]: GoJSON<T[K]> } : T;

type Binding = keyof typeof Bindings;

/** What a binding answers: the wire type of the Backend method of the same
 *  name (Status → status), as Go encodes it. */
type Answer<K extends Binding> = Uncapitalize<K> extends keyof Backend ? GoJSON<Awaited<ReturnType<Backend[Uncapitalize<K>]>>> : never;

/** The Go methods of app.App the stub answers, called as the generated
 *  bindings call them. ExportCatalogue is left out: as in a plain browser,
 *  the app downloads the YAML instead. */
export type StubApp = { [K in Exclude<Binding, "ExportCatalogue">]: (...args: Parameters<(typeof Bindings)[K]>) => Promise<Answer<K>> };

/** The part of the Wails runtime the app uses. */
export type StubRuntime = Pick<typeof Runtime, "BrowserOpenURL" | "ClipboardSetText"> & {
  EventsOnMultiple(name: string, cb: (e: SyncEvent) => void): () => void;
};

declare global {
  interface Window {
    go: { app: { App: StubApp } };
    runtime: StubRuntime;
    __stub: unknown;
  }
}
