import type { ScreeningStatus } from "../api/types";

export const statusLabel: Record<ScreeningStatus, string> = {
  due: "Due",
  due_soon: "Due soon",
  needs_review: "Needs review",
  complete: "Complete",
  excluded: "Excluded",
  not_applicable: "Not applicable",
};

export const visitStatusLabel: Record<string, string> = {
  cancelled: "Cancelled",
  noshow: "No-show",
  "entered-in-error": "Removed",
  arrived: "Arrived",
  fulfilled: "Seen",
  booked: "Booked",
  checkedin: "Checked in",
};
