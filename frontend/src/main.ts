import "./style.css";
import { wailsBackend } from "./api/wails";
import { DeskApp } from "./ui/app";

const root = document.querySelector<HTMLDivElement>("#app")!;
void new DeskApp(wailsBackend, root).start();
