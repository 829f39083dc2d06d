// @ts-check
// Injected before the app loads: stands in for the Wails bridge (window.go
// and window.runtime) with a scripted agent, so the built frontend runs in
// plain Chromium. Tests steer it through window.__stub. Errors are thrown
// as the bindings throw them: the JSON of the agent's {kind, error, detail}.
// Its answers are typed from the agent's wire types (bridge.d.ts), and npm
// test type-checks it (tsc -p e2e): a changed wire type fails there.
/** @typedef {import("../src/api/generated").Counts} Counts */
/** @typedef {import("../src/api/generated").DayRow} DayRow */
/** @typedef {import("../src/api/generated").Mode} Mode */
/** @typedef {import("./bridge").GoJSON<import("../src/api/generated").ScheduleInfo>} ScheduleInfo */
/** @typedef {import("../src/api/generated").SentNote} SentNote */
/** @typedef {import("../src/api/generated").SignInState} SignInState */
/** @typedef {import("../src/api/generated").SyncEvent} SyncEvent */
/** @typedef {import("../src/api/generated").CatalogueView} CatalogueView */
/** @typedef {import("./bridge").GoJSON<import("../src/api/generated").Settings>} SettingsJSON */
/** @typedef {import("./bridge").GoJSON<import("../src/api/generated").Sheet>} SheetJSON */
/** @typedef {import("./bridge").GoJSON<import("../src/api/generated").DocumentText>} DocumentTextJSON */
/**
 * @template T
 * @typedef {{ promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void }} Deferred
 */
(() => {
  const params = new URLSearchParams(location.search);
  const today = "2026-11-24";
  /** @type {(kind: string, error: string, detail?: string) => string} */
  const err = (kind, error, detail) => JSON.stringify({ kind, error, detail });
  /** @type {(due: number, dueSoon: number, complete: number, needsReview?: number) => Counts} */
  const counts = (due, dueSoon, complete, needsReview = 0) => ({ due, dueSoon, needsReview, complete, excluded: 0, attention: 0 });
  // What is due, in the catalogue's short words (DayRow.due).
  /** @type {Record<string, string[]>} */
  const dueNames = { a1: ["Colorectal", "A1C"], a4: ["Colorectal", "Mammogram", "Flu"], a5: ["Colorectal"] };
  /** @type {[string, string, string, string, string, string, string, number, string, Counts][]} */
  const visits = [
    ["a1", "08:00", "Ada Park, MD", "Annual Physical", "arrived", "Maria Lopez", "1001", 52, "female", counts(2, 1, 5)],
    ["a2", "08:20", "Ben Osei, DO", "Follow-Up", "cancelled", "John Smith", "1002", 67, "male", counts(0, 0, 8)],
    ["a3", "08:40", "Ada Park, MD", "Sick Visit", "booked", "Lee Chen", "1003", 30, "male", counts(0, 1, 3)],
    ["a4", "09:00", "Cruz Diaz, NP", "New Patient", "booked", "Ana Ruiz", "1004", 45, "female", counts(3, 0, 2, 1)],
    ["a5", "09:20", "Ben Osei, DO", "Medicare Wellness", "booked", "Walter Brown", "1005", 78, "male", counts(1, 2, 6)],
  ];
  /** @type {DayRow[]} */
  const rows = visits.map(([id, t, provider, visitType, status, name, mrn, age, sex, c]) => ({
    appointmentId: id, time: `${today}T${t}:00`, provider, visitType, status, inactive: status === "cancelled",
    patientId: "p" + id, patientName: name, mrn, age, sex, counts: c, due: dueNames[id],
  }));
  // ?visits=N: a long day of N more visits across three providers (print tests).
  const names = ["Ava", "Noah", "Mia", "Liam", "Zoe", "Omar", "Ivy", "Ravi", "Lena", "Theo"];
  const provs = ["Ada Park, MD", "Ben Osei, DO", "Cruz Diaz, NP"];
  for (let i = 0; i < Number(params.get("visits") || 0); i++) {
    const t = `${String(10 + Math.floor(i / 6)).padStart(2, "0")}:${String((i % 6) * 10).padStart(2, "0")}`;
    rows.push({
      appointmentId: `v${i}`, time: `${today}T${t}:00`, provider: provs[i % 3], visitType: "Follow-Up", status: "booked", inactive: false,
      patientId: `pv${i}`, patientName: `${names[i % 10]} Test${i}`, mrn: String(2000 + i), age: 40 + (i % 40), sex: i % 2 ? "male" : "female", counts: counts(i % 8, 1, 3), due: ["Blood pressure", "Depression", "Tobacco", "Falls", "BMI", "Td/Tdap", "Flu"].slice(0, i % 8),
    });
  }
  /** @type {() => SettingsJSON} */
  const settings = () => ({
    syncAt: "06:30", clinicEnd: "18:00", syncEveryMinutes: 30, clinicDays: ["Mon", "Tue", "Wed", "Thu", "Fri"],
    retentionDays: 14, largeText: params.get("large") === "1", lookbacks: { labs: 12, imaging: 24, consults: 12, hospital: 12 }, disabledExclusions: [],
  });
  /** @type {() => CatalogueView} */
  const catalogue = () => ({
    version: "2026.11-1", custom: false,
    yaml: "catalog: preventive-screening-defaults\nversion: '2026.11-1'\nscreenings:\n- id: colorectal_cancer\n  min_age: 45\n",
    screenings: [
      { id: "colorectal_cancer", title: "Colorectal cancer screening", enabled: true, sexes: ["female", "male"], minAge: 45, maxAge: 75, dueSoon: "P60D", review: false, line: 3,
        modalities: [{ id: "colonoscopy", title: "Colonoscopy", interval: "P10Y" }, { id: "fit", title: "FIT", interval: "P1Y" }] },
      { id: "breast_cancer", title: "Breast cancer screening", enabled: true, sexes: ["female"], minAge: 40, maxAge: 74, dueSoon: "P60D", review: false, line: 20,
        modalities: [{ id: "mammography", title: "Mammography", interval: "P2Y" }] },
      { id: "influenza", title: "Influenza vaccine (seasonal)", enabled: true, sexes: ["female", "male"], minAge: 0, dueSoon: "P30D", review: false, line: 40,
        modalities: [{ id: "flu", title: "Flu shot", interval: "season" }] },
      { id: "unhealthy_alcohol_use", title: "Unhealthy alcohol use screening", enabled: true, sexes: ["female", "male"], minAge: 18, dueSoon: "P60D", review: true, line: 60,
        modalities: [{ id: "audit_c", title: "AUDIT-C or single question", interval: "P1Y" }] },
    ],
  });
  // file: a practice whose schedule is a file exported from Epic, with nothing saved yet.
  // preset: the demo, because the practice preset an installer left could not be applied
  // (its FHIR address is not https). ?notice=… sets the agent's notice (Status.notice).
  /** @type {Record<string, Mode>} */
  const modes = { demo: "demo", unconfigured: "unconfigured", signin: "practice", file: "practice", preset: "demo" };
  const fileMode = params.get("mode") === "file";
  const state = {
    mode: modes[params.get("mode") || "demo"] || "demo",
    needsSignIn: params.get("mode") === "signin",
    online: true,
    syncing: false,
    listeners: /** @type {((e: SyncEvent) => void)[]} */ ([]),
    sync: /** @type {Deferred<void> | null} */ (null),
    signIn: /** @type {Deferred<SignInState> | null} */ (null),
    calls: /** @type {string[]} */ ([]),
    settings: settings(),
    catalogue: catalogue(),
    user: /** @type {string | undefined} */ (params.get("mode") === "unconfigured" ? undefined : "Front Desk (demo)"),
    practice: { name: "Demo Family Medicine", fhirBase: "http://127.0.0.1:40111/interconnect-fhir-oauth/api/FHIR/R4", clientId: "healthprep-demo" },
    dayRows: rows.map((r) => ({ ...r, counts: { ...r.counts } })),
    days: fileMode ? [] : [today, "2026-11-23"],
    scheduleFile: /** @type {{ date: string, mrns: string[] } | null} */ (null), // the imported schedule
    /** @type {ScheduleInfo} */
    schedule: { kind: fileMode ? "file" : "provider-service", providerIds: fileMode ? undefined : ["E1001", "E1002", "E1003"] },
    preset: params.get("mode") === "preset"
      ? { path: "/etc/healthprep/practice.json", name: "Riverside Family Medicine", fhirBase: "http://fhir.riverside.example/api/FHIR/R4", clientId: "0a1b2c3d",
          problems: [{ field: "fhirBase", message: "The FHIR address must start with https://" }] }
      : undefined,
    notice: params.get("notice") || undefined,
    sendOn: params.get("send") === "1",
    /** @type {Record<string, SentNote>} */
    sent: {},
  };
  /**
   * The agent's check of the schedule fields, untested.
   * @param {string} kind
   * @param {string[]} ids
   */
  const scheduleCheck = (kind, ids) => {
    const providerIds = [...new Set(ids.flatMap((x) => x.split(/[\s,;]+/)).filter(Boolean))];
    const problems = kind !== "file" && providerIds.length === 0
      ? [{ field: "providerIds", message: "Add the Epic provider IDs of the practice's providers (your Epic analyst has them, e.g. E1001, E1002), or choose the schedule file instead." }]
      : [];
    /** @type {ScheduleInfo} */
    const source = { kind, providerIds: kind === "file" ? null : providerIds };
    return { source, problems, tested: false, appointments: 0, byProvider: null };
  };
  const status = () => ({
    mode: state.mode, needsSignIn: state.needsSignIn, online: state.online, syncing: state.syncing,
    offlineSince: state.online ? undefined : `${today}T07:05:00`, offlineReason: state.online ? undefined : "no network",
    practice: state.mode === "unconfigured" ? undefined : state.practice,
    days: state.mode === "unconfigured" || state.days.length === 0 ? null : state.days, today, // Go sends null for no days
    signedIn: state.user ? { user: state.user, accessMode: state.mode === "demo" ? "demo" : "device" } : undefined,
    lastSync: { date: today, at: `${today}T06:30:00`, partial: false },
    version: "e2e", catalogue: { version: state.catalogue.version, count: state.catalogue.screenings.length },
    keychain: "secret-service", schedule: state.schedule,
    preset: state.preset, notice: state.notice,
  });
  /** @type {(appt: string) => SheetJSON} */
  const sheet = (appt) => {
    const r = state.dayRows.find((x) => x.appointmentId === appt);
    if (!r) throw err("not_found", `no appointment ${appt}`);
    /** @type {SheetJSON} */
    const s = {
      date: today, appointmentId: appt, time: r.time, provider: r.provider, visitType: r.visitType, status: r.status,
      patient: { id: r.patientId, name: r.patientName, mrn: r.mrn, age: r.age, sex: r.sex, birthDate: "1974-03-02" },
      notes: null,
      measures: null,
      results: [
        { id: "colorectal_cancer", title: "Colorectal cancer screening", status: "due", reason: "nothing on record", variant: "family history of colorectal cancer" },
        { id: "influenza", title: "Influenza vaccine (seasonal)", status: "due_soon", nextDue: "2026-12-01T00:00:00Z", reason: "the season starts soon" },
        { id: "breast_cancer", title: "Breast cancer screening", status: "complete", lastDone: "2025-06-01T00:00:00Z", modality: "mammography", nextDue: "2027-06-01T00:00:00Z",
          reason: "done: MG Screening bilateral (DiagnosticReport, 2025-06-01)",
          evidence: [{ type: "DiagnosticReport", id: "dr1", system: "http://loinc.org", code: "24606-6", display: "MG Screening bilateral", date: "2025-06-01T09:30:00Z" }] },
        { id: "unhealthy_alcohol_use", title: "Unhealthy alcohol use screening", status: "complete", lastDone: "2026-09-18T00:00:00Z", nextDue: "2027-09-18T00:00:00Z", review: true,
          reviewNote: "decided by a code from “AUDIT-C”, which no value set examined confirms: check the code",
          reason: "done: AUDIT-C (Observation, 2026-09-18)",
          evidence: [{ type: "Observation", id: "o1", system: "http://loinc.org", code: "72109-2", display: "Alcohol Use Disorder Identification Test - Consumption [AUDIT-C]", date: "2026-09-18T08:45:00Z" }] },
        { id: "cervical_cancer", title: "Cervical cancer screening", status: "excluded", reason: "hysterectomy with no residual cervix", rule: "exclusion: hysterectomy",
          evidence: [{ type: "Procedure", id: "pr1", code: "Z90.710", display: "Hysterectomy", date: "2012-04-11T00:00:00Z" }] },
      ],
      conditions: [{ title: "Essential hypertension", date: "2019-02-01T00:00:00Z", detail: "I10" }],
      labs: [{ title: "Hemoglobin A1c", date: "2026-05-01T00:00:00Z", detail: "5.9 %" }, { title: "LDL cholesterol", date: "2026-05-01T00:00:00Z", detail: "112 mg/dL" }],
      imaging: [{ title: "MG Screening bilateral", date: "2025-06-01T00:00:00Z" }],
      consults: [{ title: "Cardiology consult note", date: "2026-02-14T00:00:00Z" }],
      hospital: [],
      immunizations: [{ title: "Influenza, seasonal", date: "2025-10-02T00:00:00Z" }, { title: "Tdap", date: "2019-08-20T00:00:00Z" }],
    };
    // ?doctext=1: the mammogram also read from an outside report's text.
    if (params.get("doctext") === "1") {
      const sentence = "Screening mammogram performed on 05/28/2025 at Valley Imaging Center.";
      const start = sentence.indexOf("Screening mammogram");
      const mammogram = /** @type {NonNullable<SheetJSON["results"]>} */ (s.results)[2];
      mammogram.review = true;
      mammogram.evidence?.push({ type: "DocumentReference", id: "outside-doc-7", display: "Outside mammography report", date: "2025-05-28T00:00:00Z",
        text: { sentence, start, end: start + "Screening mammogram".length, org: "Valley Imaging Center", docDate: "2025-06-02T00:00:00Z", dateFrom: "text" } });
    }
    return s;
  };
  /** @type {Record<string, DocumentTextJSON>} */
  const docTexts = {
    "outside-doc-7": { docId: "outside-doc-7", title: "Outside mammography report", org: "Valley Imaging Center", date: "2025-05-28T00:00:00Z", method: "pdf+ocr", pages: 2,
      text: "VALLEY IMAGING CENTER\n1200 Main Street\n\nRADIOLOGY REPORT\n\n" + "Clinical history: routine screening.\n".repeat(30) +
        "Screening mammogram performed on\n05/28/2025 at Valley Imaging Center.\nFindings: scattered fibroglandular density.\nImpression: BI-RADS 1, negative.\n" },
  };
  /** @type {(sheets: SheetJSON[]) => string} */
  const printDoc = (sheets) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>Prep ${today}</title><style>.sheet{page-break-after:always}.sheet:last-child{page-break-after:auto}</style></head><body>` +
    sheets.map((s) => `<div class="sheet" data-appointment="${s.appointmentId}"><h1>${s.patient.name}</h1></div>`).join("") +
    "</body></html>";
  /** @type {(e: Partial<SyncEvent> & Pick<SyncEvent, "phase">) => void} */
  const emit = (e) => state.listeners.forEach((cb) => cb({ appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0, ...e }));
  /**
   * @template T
   * @returns {Deferred<T>}
   */
  const deferred = () => {
    /** @type {Deferred<T>["resolve"]} */
    let resolve = () => {};
    /** @type {Deferred<T>["reject"]} */
    let reject = () => {};
    /** @type {Promise<T>} */
    const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };
  window.__stub = {
    state,
    emit,
    finishSync: () => {
      state.dayRows[0].counts = counts(0, 1, 7); // Maria's colonoscopy report just arrived
      state.dayRows[0].due = [];
      state.sync?.resolve();
    },
    finishSignIn: (/** @type {SignInState} */ answer) => state.signIn?.resolve(answer),
  };
  /** @type {import("./bridge").StubRuntime} */
  window.runtime = {
    EventsOnMultiple: (name, cb) => {
      if (name === "sync") state.listeners.push(cb);
      return () => {};
    },
    BrowserOpenURL: (url) => state.calls.push(`open ${url}`),
    ClipboardSetText: async (text) => {
      state.calls.push(`copy ${text}`);
      return true;
    },
  };
  /** @type {import("./bridge").StubApp} */
  const App = {
    RestartAgent: async () => {
      state.calls.push("restart agent");
    },
    OpenURL: async (url) => {
      state.calls.push(`open ${url}`);
      if (params.get("nobrowser")) throw err("not_found", "no web browser could be opened on this computer: copy the address and paste it into a browser", "exec: \"xdg-open\": executable file not found in $PATH");
    },
    Status: async () => status(),
    Version: async () => ({ version: "v0.9.0-e2e", commit: "e2e1234", date: "2026-11-24T05:00:00Z", goVersion: "go1.26.8" }),
    Day: async (date) => {
      if (date !== today || !state.days.includes(date)) throw err("not_found", `nothing is saved for ${date} yet`);
      return { date: today, asOf: `${today}T06:31:00`, partial: false, catalogueVersion: "1", rows: state.mode === "unconfigured" ? [] : state.dayRows };
    },
    Sheet: async (_d, appt) => {
      state.calls.push(`sheet ${appt}`);
      return sheet(appt);
    },
    PrintHTML: async (_d, appt) => {
      state.calls.push(`print ${appt || "day"}`);
      const ids = appt ? [appt] : state.dayRows.filter((r) => !r.inactive).map((r) => r.appointmentId);
      return printDoc(ids.map(sheet));
    },
    Sync: async (date) => {
      state.calls.push(`sync ${date}`);
      if (fileMode && !state.scheduleFile) {
        throw err("not_found", "No schedule file has been imported yet: export the day's schedule from Epic and import it (Today, “Import schedule”).");
      }
      state.syncing = true;
      state.sync = deferred();
      try {
        await state.sync.promise;
      } finally {
        state.syncing = false;
      }
      if (fileMode) {
        // The day is the imported file's appointments.
        const mrns = state.scheduleFile?.mrns ?? [];
        state.dayRows = state.dayRows.filter((r) => mrns.includes(r.mrn ?? ""));
        if (!state.days.includes(date)) state.days.unshift(date);
      }
      emit({ phase: "done", date, appointments: 5, patientsDone: 5, patientsTotal: 5, requests: 40 });
      return { date, appointments: 5, patients: 5, stale: 0, unfetched: 0, incremental: 0, fresh: 5, skipped: 0, requests: 40, partial: false, duration: 2e9 };
    },
    CancelSync: async () => {
      state.calls.push("cancel sync");
      if (!state.sync) throw err("not_found", "no update is running");
      emit({ phase: "failed", date: today, message: "the update was stopped" });
      state.sync.reject(err("busy", "the update was stopped; the saved prep is unchanged"));
    },
    CheckSetup: async (base, id, discover) => {
      const problems = [];
      const cid = id.trim().replace(/^["']|["']$/g, "");
      if (cid === "") problems.push({ field: "clientId", message: "Paste the client ID from Epic's app page." });
      else if (/\s/.test(cid)) problems.push({ field: "clientId", message: "The client ID has a space inside it. Copy it again from Epic's app page." });
      if (base.trim() === "") problems.push({ field: "fhirBase", message: "Paste your organisation's FHIR base URL." });
      else if (!/^https:\/\//.test(base.trim())) problems.push({ field: "fhirBase", message: "The FHIR address must start with https://" });
      const discovery = discover && problems.length === 0
        ? { authorize: "https://fhir.riverside.example/oauth2/authorize", token: "https://fhir.riverside.example/oauth2/token", issuer: "https://fhir.riverside.example/oauth2", register: "https://fhir.riverside.example/oauth2/register", pkceS256: true }
        : undefined;
      return { fhirBase: base.trim().replace(/\/+$/, ""), clientId: cid, problems, discovery };
    },
    Setup: async (base, id, name) => {
      state.calls.push(`setup ${base} ${id} ${name}`);
      state.mode = "practice";
      state.needsSignIn = true;
      state.user = undefined;
      state.practice = { name, fhirBase: base, clientId: id };
      state.preset = undefined; // the agent forgets a preset once set up
      return { fhirBase: base, clientId: id, problems: [] };
    },
    // The agent's schedule checks, small: IDs split on commas and spaces,
    // at least one for the provider schedule; the tenant knows E1001–E1003.
    TestSchedule: async (kind, ids, date) => {
      state.calls.push(`test schedule ${kind} ${ids.join(",")}`);
      const c = scheduleCheck(kind, ids);
      if (c.problems.length) return c;
      /** @type {Record<string, number>} */
      const per = { E1001: 2, E1002: 2, E1003: 1 };
      const byProvider = (c.source.providerIds ?? []).map((id) => (id in per ? { id, name: `Provider ${id}`, appointments: per[id] } : { id, appointments: 0, unknown: true }));
      return { ...c, tested: true, date: date || today, appointments: byProvider.reduce((n, p) => n + p.appointments, 0), byProvider };
    },
    SaveSchedule: async (kind, ids) => {
      const c = scheduleCheck(kind, ids);
      if (c.problems.length) return c;
      state.calls.push(`save schedule ${kind} ${(c.source.providerIds ?? []).join(",")}`);
      state.schedule = c.source;
      return c;
    },
    StartSignIn: async () => {
      state.calls.push("start sign-in");
      state.signIn = deferred();
      return { state: "waiting", url: "https://fhir.riverside.example/oauth2/authorize?client_id=0a1b2c3d&state=abc" };
    },
    SignInStatus: async () => {
      if (!state.signIn) throw err("not_found", "no sign-in is running");
      const answer = await state.signIn.promise;
      if (answer.state === "done") {
        state.needsSignIn = false;
        state.user = answer.user;
      }
      return answer;
    },
    CancelSignIn: async () => {
      state.calls.push("cancel sign-in");
      state.signIn?.resolve({ state: "idle" });
    },
    StartDemo: async () => {
      state.mode = "demo";
      state.user = "Front Desk (demo)";
    },
    Settings: async () => structuredClone(state.settings),
    SaveSettings: async (s) => {
      if (s.retentionDays < 1 || s.retentionDays > 365) throw err("bad_request", "keep days for 1 to 365 days");
      state.settings = structuredClone(s);
      state.calls.push("save settings");
    },
    Catalogue: async () => structuredClone(state.catalogue),
    EditCatalogue: async (edits) => {
      state.calls.push(`edit ${JSON.stringify(edits)}`);
      for (const e of edits) {
        const s = state.catalogue.screenings.find((x) => x.id === e.screening);
        if (!s) throw err("bad_request", `no screening ${e.screening}`);
        if (e.minAge !== undefined && s.maxAge !== undefined && e.minAge > s.maxAge) {
          // As the agent words it: the line in the edited YAML, the screening's id.
          return { problems: [{ line: 233, message: `screening "${s.id}": min_age ${e.minAge} is greater than max_age ${s.maxAge}` }] };
        }
        if (e.enabled !== undefined) s.enabled = e.enabled;
        if (e.minAge !== undefined) s.minAge = e.minAge;
        if (e.maxAge !== undefined) s.maxAge = e.maxAge;
        if (e.clearMaxAge) delete s.maxAge;
        if (e.dueSoon !== undefined) s.dueSoon = e.dueSoon;
        const m = s.modalities.find((m) => m.id === e.modality);
        if (m && e.interval !== undefined) m.interval = e.interval;
      }
      state.catalogue.custom = true;
      return { problems: [], catalogue: structuredClone(state.catalogue) };
    },
    ImportCatalogue: async (yaml) => {
      state.calls.push(`import ${yaml.length}`);
      const lines = yaml.split("\n");
      const bad = lines.findIndex((l) => /due_soon: [a-z]/.test(l));
      if (bad >= 0) return { problems: [{ line: bad + 1, message: `due_soon: "${lines[bad].split(": ")[1]}" is not an ISO 8601 duration (e.g. P60D)` }] };
      state.catalogue = { ...state.catalogue, custom: true, yaml, version: "2026.11-practice" };
      return { problems: [], catalogue: structuredClone(state.catalogue) };
    },
    // A small version of the agent's checks (internal/schedule ParseCSV):
    // the header's columns, then each row's time and MRN; problems name the
    // line, never the patient.
    ImportSchedule: async (date, csv) => {
      state.calls.push(`import schedule ${date}`);
      const lines = csv.replace(/^\uFEFF/, "").split(/\r?\n/);
      const sep = (lines[0].match(/\t/g) ?? []).length > (lines[0].match(/,/g) ?? []).length ? "\t" : ",";
      const head = lines[0].split(sep).map((h) => h.toLowerCase().replace(/[^a-z]/g, ""));
      const col = (/** @type {string[]} */ ...names) => head.findIndex((h) => names.includes(h));
      const [time, provider, visit, mrn] = [col("appttime", "time"), col("provider"), col("visittype"), col("mrn")];
      if (time < 0) throw err("bad_request", "the schedule file has no header row with an appointment time column (e.g. \"Appt Time\") in its first 10 lines");
      const missing = [provider < 0 && "the provider (\"Provider\")", visit < 0 && "the visit type (\"Visit Type\")", mrn < 0 && "the patient's MRN (\"MRN\"), or name and date of birth (\"Patient Name\", \"DOB\")"].filter(Boolean);
      if (missing.length) throw err("bad_request", `the schedule file has no column for ${missing.join(", or ")}`, `header: ${lines[0]}`);
      /** @type {string[]} */
      const mrns = [];
      /** @type {{ line: number, problem: string }[]} */
      const problems = [];
      lines.forEach((l, i) => {
        if (i === 0 || l.trim() === "") return;
        const f = l.split(sep).map((x) => x.trim());
        if (!/^\d{1,2}:\d{2}$/.test(f[time])) problems.push({ line: i + 1, problem: `the appointment time “${f[time]}” is not a time` });
        else if (!f[mrn]) problems.push({ line: i + 1, problem: "no MRN, and no name with a date of birth" });
        else mrns.push(f[mrn]);
      });
      if (mrns.length === 0) throw err("bad_request", "no appointment in the file could be read; export the day's schedule from Epic again");
      state.scheduleFile = { date, mrns };
      return { date, rows: mrns.length, problems };
    },
    ResetCatalogue: async () => (state.catalogue = catalogue()),
    Reset: async (c) => {
      if (c !== "RESET") throw err("bad_request", "Type RESET to confirm.");
      state.mode = "demo";
    },
    Audit: async () => [],
    // Sending prep notes (?send=1 turns it on): every visit asked for is
    // sent at 07:52 by Front Desk, except Ana Ruiz's, which Epic refuses.
    Send: async (date, ids) => {
      state.calls.push(`send ${ids.join(",") || "day"}`);
      if (!state.sendOn) throw err("forbidden", "Sending prep notes to Epic is off for this practice.");
      const rows = state.dayRows.filter((r) => (ids.length ? ids.includes(r.appointmentId) : !r.inactive));
      const sent = [], failed = [];
      for (const r of rows) {
        if (r.patientName === "Ana Ruiz") {
          failed.push({ appointmentId: r.appointmentId, message: "Epic refused the note because the chart was being changed at the same time. Nothing was added; try again in a minute" });
          continue;
        }
        const n = { appointmentId: r.appointmentId, noteId: `eNote-${r.appointmentId}`, at: `${date}T07:52:00`, by: "Front Desk", replaced: state.sent[r.appointmentId]?.noteId };
        state.sent[r.appointmentId] = n;
        sent.push(n);
      }
      return { date, sent, failed: failed.length ? failed : null, sentToday: Object.keys(state.sent).length, dailyCap: 100 };
    },
    DocumentText: async (_d, appt, docId) => {
      state.calls.push(`document text ${appt} ${docId}`);
      const t = docTexts[docId];
      if (!t) throw err("not_found", "that document's text is not in the saved day: it was not read (or could not be read). Update from Epic and try again.");
      return structuredClone(t);
    },
    SentNotes: async (date) => ({ date, enabled: state.sendOn, canWrite: true, notes: structuredClone(state.sent) }),
  };
  window.go = { app: { App } };
})();
