import { Kbd, Paper, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import {
  type KeyboardEvent,
  type MouseEvent,
  useDeferredValue,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { useNavigate, useSearchParams } from "react-router";
import { useActions } from "../api/actions.ts";
import { SEARCH_ATTRIBUTE } from "../app/useShortcuts.ts";
import { SearchIcon } from "../components/icons.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { RunbookList } from "../runbooks/RunbookList.tsx";
import { ActionRow } from "./ActionRow.tsx";
import { filterActions, mergeMatches } from "./filter.ts";

export function CatalogPage() {
  const [params, setParams] = useSearchParams();
  // The box is controlled by its own state, not by the address: writing the address on every key
  // re-rendered the page through the router and dropped keys typed faster than ~90 ms apart. The
  // address follows once typing pauses (so a reload or a shared link keeps the search).
  const [text, setTextState] = useState(() => params.get("q") ?? "");
  const filterText = useDeferredValue(text);
  const [settled] = useDebouncedValue(text, 250);
  // The list filters on every key; the server is also asked (q=) once typing pauses, and what it
  // finds is added (it may match on more than the client sees).
  const serverQuery = settled.trim();
  const actions = useActions("");
  const serverMatches = useActions(serverQuery, serverQuery !== "");
  const navigate = useNavigate();
  const search = useRef<HTMLInputElement>(null);
  const rows = useRef<(HTMLAnchorElement | null)[]>([]);
  const shown = useMemo(
    () =>
      mergeMatches(
        filterActions(actions.data ?? [], filterText),
        serverQuery && serverQuery === filterText.trim() ? (serverMatches.data ?? []) : [],
      ),
    [actions.data, serverMatches.data, serverQuery, filterText],
  );

  // Once an action is being opened, the address is no longer ours to write: the router keeps this
  // page on screen while the form's code loads, and a late search write would replace the
  // navigation to the action with the catalog again.
  const leaving = useRef(false);
  useEffect(() => {
    if (leaving.current) return;
    if ((params.get("q") ?? "") !== settled) setParams(settled ? { q: settled } : {}, { replace: true });
  }, [settled, params, setParams]);

  useEffect(() => {
    if (params.get("focus") === "search") search.current?.focus();
  }, [params]);

  // Opening an action is the next step: once the list is shown, fetch the form's code while the
  // person reads it.
  const listed = actions.isSuccess;
  useEffect(() => {
    if (!listed) return;
    const prefetch = () => void import("../form/ActionPage.tsx");
    if ("requestIdleCallback" in window) {
      const id = requestIdleCallback(prefetch, { timeout: 2_000 });
      return () => cancelIdleCallback(id);
    }
    const timer = setTimeout(prefetch, 500);
    return () => clearTimeout(timer);
  }, [listed]);

  function setText(value: string) {
    setTextState(value);
  }

  function onSearchKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter") {
      event.preventDefault();
      // What the box says now, not what the list showed a frame ago.
      const first = mergeMatches(filterActions(actions.data ?? [], text), [])[0] ?? shown[0];
      if (first) {
        leaving.current = true;
        navigate(`/actions/${first.name}`);
      }
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      rows.current[0]?.focus();
    } else if (event.key === "Escape" && text) {
      setText("");
    }
  }

  function onRowKey(index: number) {
    return (event: KeyboardEvent<HTMLAnchorElement>) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        rows.current[Math.min(index + 1, shown.length - 1)]?.focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index === 0) search.current?.focus();
        else rows.current[index - 1]?.focus();
      }
    };
  }

  // A plain click on an action or runbook link opens it in this tab: the same as Enter above.
  function onClickCapture(event: MouseEvent<HTMLDivElement>) {
    const plain = event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
    if (plain && (event.target as Element).closest("a[href]")) leaving.current = true;
  }

  return (
    <div onClickCapture={onClickCapture}>
      <PageHeader
        title="Actions"
        description="The operations you may see. Open one to fill its form; risky ones ask for confirmation, and some need a second person's approval."
      />
      <TextInput
        ref={search}
        label="Search actions"
        description="By name, title, tag or description"
        placeholder="e.g. refund, card, billing"
        leftSection={<SearchIcon />}
        rightSection={<Kbd size="xs">/</Kbd>}
        rightSectionPointerEvents="none"
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={onSearchKey}
        autoComplete="off"
        type="search"
        mb="md"
        size="md"
        {...{ [SEARCH_ATTRIBUTE]: "" }}
        aria-controls="action-list"
      />
      <RunbookList filter={filterText} />
      {actions.isPending ? (
        <ListSkeleton rows={6} label="Loading actions" />
      ) : actions.isError && !actions.data ? (
        <QueryError error={actions.error} what="Actions" />
      ) : shown.length === 0 ? (
        <Empty title={text ? `No action matches “${text}”` : "No actions yet"}>
          {text
            ? "Try another word, a tag, or clear the search."
            : "You may not see any action yet. Ask an admin for a grant."}
        </Empty>
      ) : (
        <>
          <Text size="sm" c="dimmed" mb="xs" aria-live="polite">
            {shown.length} {shown.length === 1 ? "action" : "actions"}
            {text ? ` matching “${text}”` : ""}
          </Text>
          <Paper withBorder radius="md" style={{ overflow: "hidden" }} id="action-list">
            {shown.map((action, index) => (
              <ActionRow
                key={action.name}
                action={action}
                ref={(el) => {
                  rows.current[index] = el;
                }}
                onKeyDown={onRowKey(index)}
              />
            ))}
          </Paper>
        </>
      )}
    </div>
  );
}
