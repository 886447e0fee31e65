/** First image among pasted or dropped items, else the first file at all (the server judges it). */
export function pickFile(files: FileList | File[] | null | undefined): File | undefined {
  if (!files) return undefined
  const list = Array.from(files)
  return list.find((file) => file.type.startsWith('image/')) ?? list[0]
}
