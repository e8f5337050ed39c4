import { useEffect, useState } from "react";

const format = new Intl.DateTimeFormat("en-US", {
  dateStyle: "medium",
  timeStyle: "medium",
});
const relative = new Intl.RelativeTimeFormat("en-US", { numeric: "auto", style: "short" });

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : format.format(d);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
];

/** "3 min ago", "in 2 hr", "just now" within a week of `now`; null for anything further. */
export function relativeTime(iso: string, now: number): string | null {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return null;
  let amount = (at - now) / 1000;
  if (Math.abs(amount) < 10) return "just now";
  for (const [unit, size] of UNITS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return null;
}

/** Re-renders every half minute, so "2 min ago" does not stay "just now". */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * A timestamp: relative within a week ("3 min ago"), else the date and time in the reader's time
 * zone; the absolute time on hover and the exact ISO value for machines.
 */
export function Time({ value }: { value: string | null | undefined }) {
  const now = useNow();
  if (!value) return <span>—</span>;
  const absolute = formatTime(value);
  return (
    <time dateTime={value} title={`${absolute} (${value})`}>
      {relativeTime(value, now) ?? absolute}
    </time>
  );
}
