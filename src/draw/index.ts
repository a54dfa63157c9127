/**
 * Pictures of graphs (`onnx-surgeon/draw`): an MSDA site before and after fusion as SVG (laid
 * out by dagre, written here: no Graphviz, no DOM, no Node API, so it also runs in a browser)
 * or as Graphviz DOT. Weights, Constant nodes and shape arithmetic are folded into the boxes
 * that read them; symbolic sizes use readable names (`H`, `h32 = ceil(H/32)`).
 *
 * @example
 * ```ts
 * import { findMsdaSites } from 'onnx-surgeon';
 * import { renderSiteSvg } from 'onnx-surgeon/draw';
 * const found = findMsdaSites(model);
 * const svg = renderSiteSvg(model, found.sites[0], { sites: found }); // before | after
 * ```
 * @group Pictures
 * @module onnx-surgeon/draw
 */
export { type SitePictureOptions, type SitePictureWhen, type SiteToDraw, renderSiteDot, renderSiteSvg, sitePictures } from './site.js';
export { type GraphPicture, type PictureBox, type PictureEdge, pictureOf, shortName } from './picture.js';
export { type PlacedBox, type PlacedEdge, type PlacedPicture, FONT, boxSize, layoutPicture } from './layout.js';
export { type SvgOptions, escapeXml, renderPicturesSvg } from './svg.js';
export { renderPicturesDot } from './dot.js';
export { type GraphRegion, type RegionOptions, DEFAULT_DEPTH_AFTER, DEFAULT_DEPTH_BEFORE, isFoldedIntoReaders, msdaRegionBefore, pluginRegion } from './regions.js';
