import { type CSSVariablesResolver, createTheme, type MantineColorsTuple } from "@mantine/core";

// A restrained navy for a tool that moves money: calm, high-contrast on white (shade 7 on white
// is 7:1), used for primary actions and the current page only.
const navy: MantineColorsTuple = [
  "#eef3fa",
  "#dbe4f1",
  "#b4c6e2",
  "#8aa6d2",
  "#678bc4",
  "#517abb",
  "#4571b8",
  "#2f5d96",
  "#264f82",
  "#1b3f6b",
];

export const theme = createTheme({
  primaryColor: "navy",
  primaryShade: 7,
  colors: { navy },
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  fontFamilyMonospace: 'ui-monospace, "SF Mono", "Cascadia Code", "DejaVu Sans Mono", Menlo, monospace',
  headings: { fontWeight: "650" },
  defaultRadius: "sm",
  focusRing: "auto",
  // People who ask their system for less motion get no transitions (modals, menus, tooltips).
  respectReducedMotion: true,
  cursorType: "pointer",
  components: {
    // A badge is a word that must be read whole ("Enforce", "Succeeded"): never shrunk to "Enfo…".
    Badge: {
      defaultProps: { tt: "none" },
      styles: {
        root: { flexShrink: 0, maxWidth: "none", overflow: "visible" },
        label: { overflow: "visible", textOverflow: "clip" },
      },
    },
    // Mantine's close buttons are icons only: name them for screen readers.
    Modal: { defaultProps: { closeButtonProps: { "aria-label": "Close" } } },
    Drawer: { defaultProps: { closeButtonProps: { "aria-label": "Close" } } },
  },
});

/**
 * WCAG AA (4.5:1) for secondary text, errors, and "light" badges and alerts: Mantine's defaults
 * for dimmed text (3.3:1), error red (3.3:1) and teal/yellow/orange on their tints fall short.
 * The values were measured with axe-core in the browser tests.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "#5c636a",
    "--mantine-color-error": "#c92a2a",
    "--mantine-color-teal-light-color": "#0b6b4f",
    "--mantine-color-yellow-light-color": "#6b4e00",
    "--mantine-color-orange-light-color": "#a33c0b",
    "--mantine-color-red-light-color": "#b02525",
    "--mantine-color-blue-light-color": "#145591",
    "--mantine-color-grape-light-color": "#6f2482",
    "--mantine-color-gray-light-color": "#343a40",
  },
  // Dark: Mantine's dimmed grey on its dark body is 4.0:1; a lighter grey keeps AA.
  dark: {
    "--mantine-color-dimmed": "#a6adb5",
  },
});
