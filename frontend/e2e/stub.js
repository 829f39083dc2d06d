// Injected before the app loads: stands in for the Wails bridge (window.go
// and window.runtime) with a scripted agent, so the built frontend runs in
// plain Chromium. Tests steer it through window.__stub.
(() => {
  const today = "2026-11-24";
  const counts = (due, dueSoon, complete) => ({ due, dueSoon, needsReview: 0, complete, excluded: 0 });
  const rows = [
    ["a1", "08:00", "Dr. Ada Park", "Annual physical", "booked", "Maria Lopez", "1001", 52, "female", counts(2, 1, 5)],
    ["a2", "08:20", "Dr. Ben Osei", "Follow-up", "cancelled", "John Smith", "1002", 67, "male", counts(0, 0, 8)],
    ["a3", "08:40", "Dr. Ada Park", "Sick visit", "booked", "Lee Chen", "1003", 30, "male", counts(0, 1, 3)],
    ["a4", "09:00", "Dr. Cruz Diaz", "New patient", "booked", "Ana Ruiz", "1004", 45, "female", counts(3, 0, 2)],
  ].map(([id, t, provider, visitType, status, name, mrn, age, sex, c]) => ({
    appointmentId: id, time: `${today}T${t}:00`, provider, visitType, status, inactive: status === "cancelled",
    patientId: "p" + id, patientName: name, mrn, age, sex, counts: c,
  }));
  const state = {
    mode: new URLSearchParams(location.search).get("mode") || "demo",
    online: true,
    syncing: false,
    listeners: [],
    syncRelease: null,
    calls: [],
  };
  const status = () => ({
    mode: state.mode, needsSignIn: false, online: state.online, syncing: state.syncing,
    offlineSince: state.online ? undefined : `${today}T07:05:00`, offlineReason: state.online ? undefined : "no network",
    days: state.mode === "unconfigured" ? [] : [today], today,
    signedIn: state.mode === "unconfigured" ? undefined : { user: "Front Desk", accessMode: "device" },
    lastSync: { date: today, at: `${today}T06:30:00`, partial: false },
  });
  const sheet = (appt) => {
    const r = rows.find((x) => x.appointmentId === appt);
    return {
      date: today, appointmentId: appt, time: r.time, provider: r.provider, visitType: r.visitType,
      patient: { id: r.patientId, name: r.patientName, mrn: r.mrn, age: r.age, sex: r.sex, birthDate: "1974-03-02" },
      results: [
        { id: "colorectal_cancer", title: "Colorectal cancer screening", status: "due", reason: "No colonoscopy, FIT or stool DNA test on record" },
        { id: "influenza", title: "Influenza vaccine", status: "due_soon", nextDue: "2026-12-01", reason: "Season starts" },
        { id: "breast_cancer", title: "Breast cancer screening (mammography)", status: "complete", lastDone: "2025-06-01", modality: "mammography", nextDue: "2027-06-01", reason: "", evidence: [{ type: "DiagnosticReport", id: "dr1", code: "24606-6", display: "MG Screening bilateral", date: "2025-06-01" }] },
        { id: "cervical_cancer", title: "Cervical cancer screening", status: "excluded", reason: "Hysterectomy with no residual cervix (Procedure, 2012-04-11)" },
      ],
      conditions: [{ title: "Essential hypertension", date: "2019-02-01" }],
      labs: [{ title: "Hemoglobin A1c", date: "2026-05-01", detail: "5.9 %" }],
      imaging: [{ title: "MG Screening bilateral", date: "2025-06-01" }],
      consults: [], hospital: [],
      immunizations: [{ title: "Influenza, seasonal", date: "2025-10-02" }],
    };
  };
  const emit = (e) => state.listeners.forEach((cb) => cb(e));
  window.__stub = { state, emit, finishSync: () => state.syncRelease && state.syncRelease() };
  window.runtime = {
    EventsOnMultiple: (name, cb) => {
      if (name === "sync") state.listeners.push(cb);
      return () => {};
    },
  };
  const App = {
    Status: async () => status(),
    Day: async () => ({ date: today, asOf: `${today}T06:31:00`, partial: false, catalogueVersion: "1", rows: state.mode === "unconfigured" ? [] : rows }),
    Sheet: async (_d, appt) => sheet(appt),
    PrintHTML: async (_d, appt) => `<!doctype html><title>print</title><body><h1 id="printed">${appt || "day"}</h1></body>`,
    Sync: async () => {
      state.calls.push("sync");
      state.syncing = true;
      await new Promise((r) => (state.syncRelease = r));
      state.syncing = false;
      emit({ phase: "done", appointments: 4, patientsDone: 4, patientsTotal: 4, requests: 30, errors: 0 });
      return {};
    },
    CheckSetup: async (base, id, discover) => {
      const problems = [];
      const cid = id.trim().replace(/^["']|["']$/g, "");
      if (/\s/.test(cid)) problems.push({ field: "clientId", message: "The client ID has a space inside it. Copy it again from Epic's app page." });
      if (base && !/^https:\/\//.test(base.trim())) problems.push({ field: "fhirBase", message: "The FHIR address must start with https://" });
      return { fhirBase: base.trim(), clientId: cid, problems, discovery: discover && problems.length === 0 ? { authorize: "https://epic.example/oauth2/authorize", token: "https://epic.example/oauth2/token", issuer: "https://epic.example/oauth2", pkceS256: true } : undefined };
    },
    Setup: async (base, id) => { state.calls.push(`setup ${base} ${id}`); return {}; },
    StartSignIn: async () => ({ state: "waiting", url: "https://epic.example/oauth2/authorize?client_id=x" }),
    SignInStatus: async () => { state.mode = "practice"; return { state: "done", user: "Pat Manager", accessMode: "device" }; },
    CancelSignIn: async () => {},
    CancelSync: async () => {},
    StartDemo: async () => { state.mode = "demo"; },
    Settings: async () => ({ syncAt: "06:30", syncEveryMinutes: 30, clinicDays: ["Mon", "Tue", "Wed", "Thu", "Fri"], retentionDays: 14, largeText: false }),
    SaveSettings: async () => {},
    Reset: async (c) => { if (c !== "RESET") throw "Type RESET to confirm."; state.mode = "unconfigured"; },
    Version: async () => ({ version: "test" }),
  };
  window.go = { app: { App } };
})();
