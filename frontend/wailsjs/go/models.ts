export namespace api {
	
	export class AuditEntry {
	    // Go type: time
	    at: any;
	    event: string;
	    fields?: Record<string, string>;
	
	    static createFrom(source: any = {}) {
	        return new AuditEntry(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.at = this.convertValues(source["at"], null);
	        this.event = source["event"];
	        this.fields = source["fields"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class CatalogueVariant {
	    when: string;
	    interval?: string;
	    title?: string;
	    minAge?: number;
	    maxAge?: number;
	    noMaxAge?: boolean;
	    review?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new CatalogueVariant(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.when = source["when"];
	        this.interval = source["interval"];
	        this.title = source["title"];
	        this.minAge = source["minAge"];
	        this.maxAge = source["maxAge"];
	        this.noMaxAge = source["noMaxAge"];
	        this.review = source["review"];
	    }
	}
	export class CatalogueModality {
	    id: string;
	    title: string;
	    interval: string;
	    doses?: number;
	    intervalReview?: boolean;
	    review?: boolean;
	    keywords?: string[];
	
	    static createFrom(source: any = {}) {
	        return new CatalogueModality(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.interval = source["interval"];
	        this.doses = source["doses"];
	        this.intervalReview = source["intervalReview"];
	        this.review = source["review"];
	        this.keywords = source["keywords"];
	    }
	}
	export class CatalogueScreening {
	    id: string;
	    title: string;
	    enabled: boolean;
	    sexes: string[];
	    minAge: number;
	    maxAge?: number;
	    dueSoon: string;
	    modalities: CatalogueModality[];
	    review: boolean;
	    reviewGroups?: string[];
	    manualReview?: string;
	    triggers?: string[];
	    exclusions?: string[];
	    variants?: CatalogueVariant[];
	    line: number;
	
	    static createFrom(source: any = {}) {
	        return new CatalogueScreening(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.enabled = source["enabled"];
	        this.sexes = source["sexes"];
	        this.minAge = source["minAge"];
	        this.maxAge = source["maxAge"];
	        this.dueSoon = source["dueSoon"];
	        this.modalities = this.convertValues(source["modalities"], CatalogueModality);
	        this.review = source["review"];
	        this.reviewGroups = source["reviewGroups"];
	        this.manualReview = source["manualReview"];
	        this.triggers = source["triggers"];
	        this.exclusions = source["exclusions"];
	        this.variants = this.convertValues(source["variants"], CatalogueVariant);
	        this.line = source["line"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class CatalogueView {
	    version: string;
	    custom: boolean;
	    yaml: string;
	    screenings: CatalogueScreening[];
	
	    static createFrom(source: any = {}) {
	        return new CatalogueView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.custom = source["custom"];
	        this.yaml = source["yaml"];
	        this.screenings = this.convertValues(source["screenings"], CatalogueScreening);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class CatalogueProblem {
	    line: number;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new CatalogueProblem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.line = source["line"];
	        this.message = source["message"];
	    }
	}
	export class CatalogueChange {
	    problems: CatalogueProblem[];
	    catalogue?: CatalogueView;
	
	    static createFrom(source: any = {}) {
	        return new CatalogueChange(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.problems = this.convertValues(source["problems"], CatalogueProblem);
	        this.catalogue = this.convertValues(source["catalogue"], CatalogueView);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class CatalogueEdit {
	    screening: string;
	    enabled?: boolean;
	    minAge?: number;
	    maxAge?: number;
	    clearMaxAge?: boolean;
	    dueSoon?: string;
	    modality?: string;
	    interval?: string;
	
	    static createFrom(source: any = {}) {
	        return new CatalogueEdit(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.screening = source["screening"];
	        this.enabled = source["enabled"];
	        this.minAge = source["minAge"];
	        this.maxAge = source["maxAge"];
	        this.clearMaxAge = source["clearMaxAge"];
	        this.dueSoon = source["dueSoon"];
	        this.modality = source["modality"];
	        this.interval = source["interval"];
	    }
	}
	export class CatalogueInfo {
	    version: string;
	    count: number;
	
	    static createFrom(source: any = {}) {
	        return new CatalogueInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.count = source["count"];
	    }
	}
	
	
	
	
	
	export class Counts {
	    due: number;
	    dueSoon: number;
	    needsReview: number;
	    complete: number;
	    excluded: number;
	    attention: number;
	
	    static createFrom(source: any = {}) {
	        return new Counts(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.due = source["due"];
	        this.dueSoon = source["dueSoon"];
	        this.needsReview = source["needsReview"];
	        this.complete = source["complete"];
	        this.excluded = source["excluded"];
	        this.attention = source["attention"];
	    }
	}
	export class DayRow {
	    appointmentId: string;
	    // Go type: time
	    time: any;
	    provider: string;
	    visitType: string;
	    status: string;
	    inactive: boolean;
	    patientId: string;
	    patientName: string;
	    mrn?: string;
	    age?: number;
	    sex?: string;
	    counts: Counts;
	    due?: string[];
	    stale?: boolean;
	    notFetched?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new DayRow(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.appointmentId = source["appointmentId"];
	        this.time = this.convertValues(source["time"], null);
	        this.provider = source["provider"];
	        this.visitType = source["visitType"];
	        this.status = source["status"];
	        this.inactive = source["inactive"];
	        this.patientId = source["patientId"];
	        this.patientName = source["patientName"];
	        this.mrn = source["mrn"];
	        this.age = source["age"];
	        this.sex = source["sex"];
	        this.counts = this.convertValues(source["counts"], Counts);
	        this.due = source["due"];
	        this.stale = source["stale"];
	        this.notFetched = source["notFetched"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class DayList {
	    date: string;
	    // Go type: time
	    asOf?: any;
	    partial: boolean;
	    catalogueVersion: string;
	    rows: DayRow[];
	
	    static createFrom(source: any = {}) {
	        return new DayList(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.asOf = this.convertValues(source["asOf"], null);
	        this.partial = source["partial"];
	        this.catalogueVersion = source["catalogueVersion"];
	        this.rows = this.convertValues(source["rows"], DayRow);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class DiscoveryInfo {
	    authorize: string;
	    token: string;
	    issuer: string;
	    register?: string;
	    pkceS256: boolean;
	
	    static createFrom(source: any = {}) {
	        return new DiscoveryInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.authorize = source["authorize"];
	        this.token = source["token"];
	        this.issuer = source["issuer"];
	        this.register = source["register"];
	        this.pkceS256 = source["pkceS256"];
	    }
	}
	export class DocumentText {
	    docId: string;
	    title: string;
	    org?: string;
	    // Go type: time
	    date: any;
	    method?: string;
	    pages?: number;
	    text: string;
	
	    static createFrom(source: any = {}) {
	        return new DocumentText(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.docId = source["docId"];
	        this.title = source["title"];
	        this.org = source["org"];
	        this.date = this.convertValues(source["date"], null);
	        this.method = source["method"];
	        this.pages = source["pages"];
	        this.text = source["text"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class TextEvidence {
	    sentence: string;
	    start: number;
	    end: number;
	    org?: string;
	    // Go type: time
	    docDate: any;
	    dateFrom?: string;
	
	    static createFrom(source: any = {}) {
	        return new TextEvidence(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.sentence = source["sentence"];
	        this.start = source["start"];
	        this.end = source["end"];
	        this.org = source["org"];
	        this.docDate = this.convertValues(source["docDate"], null);
	        this.dateFrom = source["dateFrom"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Evidence {
	    type: string;
	    id: string;
	    system?: string;
	    code?: string;
	    display?: string;
	    // Go type: time
	    date: any;
	    text?: TextEvidence;
	
	    static createFrom(source: any = {}) {
	        return new Evidence(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.type = source["type"];
	        this.id = source["id"];
	        this.system = source["system"];
	        this.code = source["code"];
	        this.display = source["display"];
	        this.date = this.convertValues(source["date"], null);
	        this.text = this.convertValues(source["text"], TextEvidence);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ExclusionConcept {
	    id: string;
	    title: string;
	    on: boolean;
	
	    static createFrom(source: any = {}) {
	        return new ExclusionConcept(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.on = source["on"];
	    }
	}
	export class LastSync {
	    date: string;
	    // Go type: time
	    at: any;
	    partial: boolean;
	    error?: string;
	
	    static createFrom(source: any = {}) {
	        return new LastSync(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.at = this.convertValues(source["at"], null);
	        this.partial = source["partial"];
	        this.error = source["error"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Line {
	    title: string;
	    // Go type: time
	    date: any;
	    detail?: string;
	
	    static createFrom(source: any = {}) {
	        return new Line(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.title = source["title"];
	        this.date = this.convertValues(source["date"], null);
	        this.detail = source["detail"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Lookbacks {
	    labs: number;
	    imaging: number;
	    consults: number;
	    hospital: number;
	
	    static createFrom(source: any = {}) {
	        return new Lookbacks(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.labs = source["labs"];
	        this.imaging = source["imaging"];
	        this.consults = source["consults"];
	        this.hospital = source["hospital"];
	    }
	}
	export class MeasureLine {
	    id: string;
	    title: string;
	    screening: string;
	    year: number;
	    status: string;
	    reason: string;
	    differs?: string;
	    evidence?: Evidence[];
	    details?: string;
	
	    static createFrom(source: any = {}) {
	        return new MeasureLine(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.screening = source["screening"];
	        this.year = source["year"];
	        this.status = source["status"];
	        this.reason = source["reason"];
	        this.differs = source["differs"];
	        this.evidence = this.convertValues(source["evidence"], Evidence);
	        this.details = source["details"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class PracticeInfo {
	    name: string;
	    fhirBase: string;
	    clientId: string;
	
	    static createFrom(source: any = {}) {
	        return new PracticeInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.fhirBase = source["fhirBase"];
	        this.clientId = source["clientId"];
	    }
	}
	export class Problem {
	    field: string;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new Problem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.field = source["field"];
	        this.message = source["message"];
	    }
	}
	export class PresetInfo {
	    path: string;
	    name: string;
	    fhirBase: string;
	    clientId: string;
	    problems: Problem[];
	    error?: string;
	
	    static createFrom(source: any = {}) {
	        return new PresetInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.name = source["name"];
	        this.fhirBase = source["fhirBase"];
	        this.clientId = source["clientId"];
	        this.problems = this.convertValues(source["problems"], Problem);
	        this.error = source["error"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class ProviderCount {
	    id: string;
	    name?: string;
	    appointments: number;
	    unknown?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new ProviderCount(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.appointments = source["appointments"];
	        this.unknown = source["unknown"];
	    }
	}
	export class RequestStats {
	    total: number;
	    byType?: Record<string, number>;
	    errors: number;
	    retries: number;
	    seconds: number;
	
	    static createFrom(source: any = {}) {
	        return new RequestStats(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.total = source["total"];
	        this.byType = source["byType"];
	        this.errors = source["errors"];
	        this.retries = source["retries"];
	        this.seconds = source["seconds"];
	    }
	}
	export class Result {
	    id: string;
	    title: string;
	    status: string;
	    // Go type: time
	    lastDone: any;
	    modality?: string;
	    // Go type: time
	    nextDue: any;
	    reason: string;
	    evidence?: Evidence[];
	    rule?: string;
	    variant?: string;
	    review?: boolean;
	    reviewNote?: string;
	    attention?: string;
	    missing?: string;
	    details?: string;
	    measure?: string;
	
	    static createFrom(source: any = {}) {
	        return new Result(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.status = source["status"];
	        this.lastDone = this.convertValues(source["lastDone"], null);
	        this.modality = source["modality"];
	        this.nextDue = this.convertValues(source["nextDue"], null);
	        this.reason = source["reason"];
	        this.evidence = this.convertValues(source["evidence"], Evidence);
	        this.rule = source["rule"];
	        this.variant = source["variant"];
	        this.review = source["review"];
	        this.reviewNote = source["reviewNote"];
	        this.attention = source["attention"];
	        this.missing = source["missing"];
	        this.details = source["details"];
	        this.measure = source["measure"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class RowProblem {
	    line: number;
	    problem: string;
	
	    static createFrom(source: any = {}) {
	        return new RowProblem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.line = source["line"];
	        this.problem = source["problem"];
	    }
	}
	export class ScheduleSource {
	    kind: string;
	    providerIds?: string[];
	
	    static createFrom(source: any = {}) {
	        return new ScheduleSource(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.providerIds = source["providerIds"];
	    }
	}
	export class ScheduleCheck {
	    source: ScheduleSource;
	    problems: Problem[];
	    tested: boolean;
	    date?: string;
	    appointments: number;
	    byProvider?: ProviderCount[];
	    nextDate?: string;
	    nextAppointments?: number;
	    note?: string;
	
	    static createFrom(source: any = {}) {
	        return new ScheduleCheck(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.source = this.convertValues(source["source"], ScheduleSource);
	        this.problems = this.convertValues(source["problems"], Problem);
	        this.tested = source["tested"];
	        this.date = source["date"];
	        this.appointments = source["appointments"];
	        this.byProvider = this.convertValues(source["byProvider"], ProviderCount);
	        this.nextDate = source["nextDate"];
	        this.nextAppointments = source["nextAppointments"];
	        this.note = source["note"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ScheduleImported {
	    date: string;
	    rows: number;
	    first?: string;
	    last?: string;
	    problems: RowProblem[];
	
	    static createFrom(source: any = {}) {
	        return new ScheduleImported(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.rows = source["rows"];
	        this.first = source["first"];
	        this.last = source["last"];
	        this.problems = this.convertValues(source["problems"], RowProblem);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ScheduleInfo {
	    kind: string;
	    providerIds?: string[];
	
	    static createFrom(source: any = {}) {
	        return new ScheduleInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.providerIds = source["providerIds"];
	    }
	}
	
	export class SendFailure {
	    appointmentId: string;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new SendFailure(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.appointmentId = source["appointmentId"];
	        this.message = source["message"];
	    }
	}
	export class SentNote {
	    appointmentId: string;
	    noteId?: string;
	    // Go type: time
	    at: any;
	    by: string;
	    replaced?: string;
	    unconfirmed?: boolean;
	    recovered?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new SentNote(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.appointmentId = source["appointmentId"];
	        this.noteId = source["noteId"];
	        this.at = this.convertValues(source["at"], null);
	        this.by = source["by"];
	        this.replaced = source["replaced"];
	        this.unconfirmed = source["unconfirmed"];
	        this.recovered = source["recovered"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SendResult {
	    date: string;
	    sent: SentNote[];
	    failed: SendFailure[];
	    provider?: string;
	    sentToday: number;
	    dailyCap: number;
	
	    static createFrom(source: any = {}) {
	        return new SendResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.sent = this.convertValues(source["sent"], SentNote);
	        this.failed = this.convertValues(source["failed"], SendFailure);
	        this.provider = source["provider"];
	        this.sentToday = source["sentToday"];
	        this.dailyCap = source["dailyCap"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SendSettings {
	    enabled: boolean;
	    dailyCap: number;
	    noteType: string;
	    format: string;
	
	    static createFrom(source: any = {}) {
	        return new SendSettings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.enabled = source["enabled"];
	        this.dailyCap = source["dailyCap"];
	        this.noteType = source["noteType"];
	        this.format = source["format"];
	    }
	}
	
	export class SentNotes {
	    date: string;
	    enabled: boolean;
	    canWrite: boolean;
	    notes: Record<string, SentNote>;
	
	    static createFrom(source: any = {}) {
	        return new SentNotes(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.enabled = source["enabled"];
	        this.canWrite = source["canWrite"];
	        this.notes = this.convertValues(source["notes"], SentNote, true);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Settings {
	    syncAt: string;
	    clinicEnd: string;
	    syncEveryMinutes: number;
	    clinicDays: string[];
	    retentionDays: number;
	    largeText: boolean;
	    lookbacks: Lookbacks;
	    send?: SendSettings;
	    disabledExclusions: string[];
	    exclusions?: ExclusionConcept[];
	
	    static createFrom(source: any = {}) {
	        return new Settings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.syncAt = source["syncAt"];
	        this.clinicEnd = source["clinicEnd"];
	        this.syncEveryMinutes = source["syncEveryMinutes"];
	        this.clinicDays = source["clinicDays"];
	        this.retentionDays = source["retentionDays"];
	        this.largeText = source["largeText"];
	        this.lookbacks = this.convertValues(source["lookbacks"], Lookbacks);
	        this.send = this.convertValues(source["send"], SendSettings);
	        this.disabledExclusions = source["disabledExclusions"];
	        this.exclusions = this.convertValues(source["exclusions"], ExclusionConcept);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SetupCheck {
	    fhirBase: string;
	    clientId: string;
	    problems: Problem[];
	    discovery?: DiscoveryInfo;
	
	    static createFrom(source: any = {}) {
	        return new SetupCheck(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.fhirBase = source["fhirBase"];
	        this.clientId = source["clientId"];
	        this.problems = this.convertValues(source["problems"], Problem);
	        this.discovery = this.convertValues(source["discovery"], DiscoveryInfo);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SheetPatient {
	    id: string;
	    name: string;
	    mrn?: string;
	    age?: number;
	    sex?: string;
	    birthDate?: string;
	
	    static createFrom(source: any = {}) {
	        return new SheetPatient(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.mrn = source["mrn"];
	        this.age = source["age"];
	        this.sex = source["sex"];
	        this.birthDate = source["birthDate"];
	    }
	}
	export class Sheet {
	    date: string;
	    appointmentId: string;
	    patient: SheetPatient;
	    // Go type: time
	    time: any;
	    provider: string;
	    visitType: string;
	    status: string;
	    stale?: boolean;
	    notFetched?: boolean;
	    notes: string[];
	    results: Result[];
	    measures: MeasureLine[];
	    conditions: Line[];
	    labs: Line[];
	    imaging: Line[];
	    consults: Line[];
	    hospital: Line[];
	    immunizations: Line[];
	    unread?: Line[];
	
	    static createFrom(source: any = {}) {
	        return new Sheet(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.appointmentId = source["appointmentId"];
	        this.patient = this.convertValues(source["patient"], SheetPatient);
	        this.time = this.convertValues(source["time"], null);
	        this.provider = source["provider"];
	        this.visitType = source["visitType"];
	        this.status = source["status"];
	        this.stale = source["stale"];
	        this.notFetched = source["notFetched"];
	        this.notes = source["notes"];
	        this.results = this.convertValues(source["results"], Result);
	        this.measures = this.convertValues(source["measures"], MeasureLine);
	        this.conditions = this.convertValues(source["conditions"], Line);
	        this.labs = this.convertValues(source["labs"], Line);
	        this.imaging = this.convertValues(source["imaging"], Line);
	        this.consults = this.convertValues(source["consults"], Line);
	        this.hospital = this.convertValues(source["hospital"], Line);
	        this.immunizations = this.convertValues(source["immunizations"], Line);
	        this.unread = this.convertValues(source["unread"], Line);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class SignInState {
	    state: string;
	    url?: string;
	    user?: string;
	    accessMode?: string;
	    accessNote?: string;
	    error?: string;
	    // Go type: time
	    startedAt?: any;
	
	    static createFrom(source: any = {}) {
	        return new SignInState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.state = source["state"];
	        this.url = source["url"];
	        this.user = source["user"];
	        this.accessMode = source["accessMode"];
	        this.accessNote = source["accessNote"];
	        this.error = source["error"];
	        this.startedAt = this.convertValues(source["startedAt"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SignedIn {
	    user: string;
	    // Go type: time
	    expires?: any;
	    accessMode: string;
	    accessNote?: string;
	
	    static createFrom(source: any = {}) {
	        return new SignedIn(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.user = source["user"];
	        this.expires = this.convertValues(source["expires"], null);
	        this.accessMode = source["accessMode"];
	        this.accessNote = source["accessNote"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Status {
	    mode: string;
	    practice?: PracticeInfo;
	    signedIn?: SignedIn;
	    needsSignIn: boolean;
	    online: boolean;
	    // Go type: time
	    offlineSince?: any;
	    offlineReason?: string;
	    lastSync?: LastSync;
	    syncing: boolean;
	    days: string[];
	    today: string;
	    keychain?: string;
	    requests?: RequestStats;
	    version: string;
	    discovery?: DiscoveryInfo;
	    schedule?: ScheduleInfo;
	    // Go type: time
	    nextSync?: any;
	    catalogue?: CatalogueInfo;
	    preset?: PresetInfo;
	    notice?: string;
	
	    static createFrom(source: any = {}) {
	        return new Status(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.mode = source["mode"];
	        this.practice = this.convertValues(source["practice"], PracticeInfo);
	        this.signedIn = this.convertValues(source["signedIn"], SignedIn);
	        this.needsSignIn = source["needsSignIn"];
	        this.online = source["online"];
	        this.offlineSince = this.convertValues(source["offlineSince"], null);
	        this.offlineReason = source["offlineReason"];
	        this.lastSync = this.convertValues(source["lastSync"], LastSync);
	        this.syncing = source["syncing"];
	        this.days = source["days"];
	        this.today = source["today"];
	        this.keychain = source["keychain"];
	        this.requests = this.convertValues(source["requests"], RequestStats);
	        this.version = source["version"];
	        this.discovery = this.convertValues(source["discovery"], DiscoveryInfo);
	        this.schedule = this.convertValues(source["schedule"], ScheduleInfo);
	        this.nextSync = this.convertValues(source["nextSync"], null);
	        this.catalogue = this.convertValues(source["catalogue"], CatalogueInfo);
	        this.preset = this.convertValues(source["preset"], PresetInfo);
	        this.notice = source["notice"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SyncSummary {
	    date: string;
	    appointments: number;
	    patients: number;
	    stale: number;
	    unfetched: number;
	    incremental: number;
	    fresh: number;
	    skipped: number;
	    requests: number;
	    partial: boolean;
	    duration: number;
	    warnings?: string[];
	
	    static createFrom(source: any = {}) {
	        return new SyncSummary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.appointments = source["appointments"];
	        this.patients = source["patients"];
	        this.stale = source["stale"];
	        this.unfetched = source["unfetched"];
	        this.incremental = source["incremental"];
	        this.fresh = source["fresh"];
	        this.skipped = source["skipped"];
	        this.requests = source["requests"];
	        this.partial = source["partial"];
	        this.duration = source["duration"];
	        this.warnings = source["warnings"];
	    }
	}

}

export namespace buildinfo {
	
	export class Info {
	    version: string;
	    commit: string;
	    date: string;
	    goVersion: string;
	
	    static createFrom(source: any = {}) {
	        return new Info(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.commit = source["commit"];
	        this.date = source["date"];
	        this.goVersion = source["goVersion"];
	    }
	}

}

