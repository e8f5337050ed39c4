// Saving text the browser already holds as a file: a blob URL, clicked, then let go. Nothing goes
// to the server, which is why an unmasked subject access package is built this way.

export function downloadText(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
