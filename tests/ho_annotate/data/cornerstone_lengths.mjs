// Parse a DICOM SR with Cornerstone3D's own SR adapter (what OHIF uses to rehydrate
// measurements) and print the Length measurements it finds as JSON.
// Usage: node cornerstone_lengths.mjs SR.dcm   (run with NODE_PATH's node_modules as cwd)
import fs from "node:fs";
import dcmjs from "dcmjs";
import * as core from "@cornerstonejs/core";
import { adaptersSR } from "@cornerstonejs/adapters";

const path = process.argv[2];
const buffer = fs.readFileSync(path);
const dicomData = dcmjs.data.DicomMessage.readFile(
  buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)
);
const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicomData.dict);
const evidence = [].concat(dataset.CurrentRequestedProcedureEvidenceSequence || []);
const map = {};
for (const study of evidence) {
  for (const series of [].concat(study.ReferencedSeriesSequence || [])) {
    for (const sop of [].concat(series.ReferencedSOPSequence || [])) {
      map[`${sop.ReferencedSOPInstanceUID}:1`] = `test:${sop.ReferencedSOPInstanceUID}`;
    }
  }
}
// Identity geometry: world (x, y) = image (column, row) - 0.5, one unit per pixel.
const plane = {
  frameOfReferenceUID: "1.2.3",
  columnCosines: [0, 1, 0],
  rowCosines: [1, 0, 0],
  imagePositionPatient: [0, 0, 0],
  columnPixelSpacing: 1,
  rowPixelSpacing: 1,
};
const provider = (type, imageId) =>
  type === "imagePlaneModule" && String(imageId).startsWith("test:") ? plane : undefined;
core.metaData.addProvider(provider, 10000);
const metadata = { get: (type, imageId) => core.metaData.get(type, imageId) };
const log = console.log;
console.log = () => {};
console.warn = () => {};
const state = adaptersSR.Cornerstone3D.MeasurementReport.generateToolState(
  dataset, map, metadata
);
const out = (state.Length || []).map((m) => {
  const stats = Object.values(m.annotation.data.cachedStats || {})[0] || {};
  return {
    uid: m.TrackingUniqueIdentifier,
    length: stats.length,
    unit: stats.unit,
    points: m.annotation.data.handles.points,
    toolName: m.annotation.metadata.toolName,
  };
});
log(JSON.stringify(out));
