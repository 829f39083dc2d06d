import { Version } from "../wailsjs/go/app/App";

const root = document.querySelector<HTMLDivElement>("#app")!;
root.textContent = "HealthPrep Desk";
Version().then((v) => (root.textContent = `HealthPrep Desk ${v.version}`));
