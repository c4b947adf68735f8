import {
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFOperator,
  PDFOperatorNames,
  type PDFDocument,
  type PDFPage,
  type PDFRef,
} from '@cantoo/pdf-lib';

/**
 * Tagged PDF (ISO 32000 §14.7–14.8): every mark on the page is either real content inside a marked-content sequence
 * that a structure element points at (by MCID), or an /Artifact (frame, watermark, seal ornament) that assistive
 * technology and copy-paste skip. The structure tree is built in reading order — the order `tag` is called in.
 */
export type StructType = 'Document' | 'Sect' | 'H1' | 'H2' | 'P' | 'Span' | 'Figure' | 'Form' | 'Lbl';

interface StructNode {
  type: StructType;
  parent?: StructNode;
  kids: Array<number | StructNode | { objr: PDFRef }>;
  lang?: string;
  alt?: string;
  ref?: PDFRef;
}

export interface TagOptions {
  parent?: StructNode;
  lang?: string;
  /** Alternate description (figures, the signature widget). */
  alt?: string;
}

export type StructElement = StructNode;

export class Tagger {
  private nextMcid = 0;
  private readonly mcidOwners: StructNode[] = [];
  private readonly root: StructNode = { type: 'Document', kids: [] };
  private readonly annotations: Array<{ widget: PDFRef; element: StructNode; setKey: (key: number) => void }> = [];

  constructor(
    private readonly pdf: PDFDocument,
    private readonly page: PDFPage,
  ) {}

  /** A structure element with no content of its own yet (a section); children attach with `parent`. */
  group(type: StructType, options: TagOptions = {}): StructNode {
    const node: StructNode = { type, kids: [], ...(options.lang ? { lang: options.lang } : {}), ...(options.alt ? { alt: options.alt } : {}) };
    const parent = options.parent ?? this.root;
    node.parent = parent;
    parent.kids.push(node);
    return node;
  }

  /** Draws `draw` as the content of a new element (or of `into`, an element made by `group`). */
  async tag(type: StructType, draw: () => Promise<void> | void, options: TagOptions & { into?: StructNode } = {}): Promise<StructNode> {
    const node = options.into ?? this.group(type, options);
    const mcid = this.nextMcid++;
    this.mcidOwners[mcid] = node;
    node.kids.push(mcid);
    // The property list inline, as the operator's raw operand.
    this.page.pushOperators(PDFOperator.of(PDFOperatorNames.BeginMarkedContentSequence, [PDFName.of(type), `<</MCID ${mcid}>>`]));
    await draw();
    this.page.pushOperators(PDFOperator.of(PDFOperatorNames.EndMarkedContent));
    return node;
  }

  /** Ornament: drawn, but not content (ISO 32000 §14.8.2.2). */
  async artifact(draw: () => Promise<void> | void): Promise<void> {
    this.page.pushOperators(PDFOperator.of(PDFOperatorNames.BeginMarkedContent, [PDFName.of('Artifact')]));
    await draw();
    this.page.pushOperators(PDFOperator.of(PDFOperatorNames.EndMarkedContent));
  }

  /** An annotation (the signature widget) as the content of a Form element; its /StructParent is set in `finish`. */
  annotation(widget: PDFRef, options: TagOptions & { setKey: (key: number) => void }): void {
    const element = this.group('Form', options);
    element.kids.push({ objr: widget });
    this.annotations.push({ widget, element, setKey: options.setKey });
  }

  /** Writes the structure tree, the parent tree, /MarkInfo and the page's /StructParents. */
  finish(): void {
    const { context, catalog } = this.pdf;
    const pageRef = this.page.ref;
    const treeRootRef = context.nextRef();
    const assignRefs = (node: StructNode) => {
      node.ref = context.nextRef();
      for (const kid of node.kids) if (typeof kid === 'object' && 'type' in kid) assignRefs(kid);
    };
    assignRefs(this.root);
    const write = (node: StructNode) => {
      const kids = node.kids.map((kid) => {
        if (typeof kid === 'number') return PDFNumber.of(kid);
        if ('objr' in kid) return context.obj({ Type: 'OBJR', Obj: kid.objr, Pg: pageRef });
        write(kid);
        return kid.ref!;
      });
      const dict: Record<string, unknown> = {
        Type: 'StructElem',
        S: node.type,
        P: node.parent?.ref ?? treeRootRef,
        Pg: pageRef,
        K: kids.length === 1 ? kids[0] : kids,
      };
      if (node.lang) dict.Lang = PDFHexString.fromText(node.lang);
      if (node.alt) dict.Alt = PDFHexString.fromText(node.alt);
      context.assign(node.ref!, context.obj(dict as never));
    };
    write(this.root);

    // Parent tree: key 0 = the page's marked content (an array indexed by MCID), then one key per annotation.
    const nums: unknown[] = [0, this.mcidOwners.map((node) => node.ref!)];
    this.annotations.forEach((annotation, i) => {
      nums.push(i + 1, annotation.element.ref!);
      annotation.setKey(i + 1);
    });
    this.page.node.set(PDFName.of('StructParents'), PDFNumber.of(0));
    this.page.node.set(PDFName.of('Tabs'), PDFName.of('S'));
    const parentTree = context.obj({ Nums: nums as never });
    context.assign(
      treeRootRef,
      context.obj({ Type: 'StructTreeRoot', K: this.root.ref!, ParentTree: context.register(parentTree), ParentTreeNextKey: nums.length / 2 }),
    );
    catalog.set(PDFName.of('StructTreeRoot'), treeRootRef);
    catalog.set(PDFName.of('MarkInfo'), context.obj({ Marked: true }));
  }
}

