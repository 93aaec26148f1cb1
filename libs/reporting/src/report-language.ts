import { REGION_NAMES, type RegionCode } from '@hub/contracts';
import { NON_MEMBER, OUTSIDE_PHASES } from './operation-report';

/** The WCO's two working languages; the report's text, dates and numbers follow the one chosen. */
export const REPORT_LANGUAGES = ['en', 'fr'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];

/**
 * The caller's preferred report language from Accept-Language (RFC 9110 §12.5.4): the highest
 * weighted of English or French, by primary subtag (`fr-CA` is French); English when neither is
 * asked for or both weigh the same.
 */
export function negotiateReportLanguage(header: string | undefined): ReportLanguage {
  let best: { language: ReportLanguage; quality: number } = { language: 'en', quality: 0 };
  for (const entry of (header ?? '').split(',')) {
    const [range, ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    const primary = range.split('-')[0];
    const language = REPORT_LANGUAGES.find((candidate) => candidate === primary);
    if (language === undefined) continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    if (Number.isFinite(quality) && quality > best.quality) best = { language, quality };
  }
  return best.language;
}

export interface ReportLabels {
  locale: string;
  title: string;
  period: string;
  generated: string;
  status: Record<string, string>;
  summary: string;
  seizures: string;
  alerts: string;
  alertsLeadingToSeizures: string;
  withheld: string;
  withheldNote: string;
  byCategory: string;
  byDetectionMethod: string;
  byPhase: string;
  byRegion: string;
  byCountry: string;
  byHsChapter: string;
  byConveyance: string;
  byLocationType: string;
  quantities: string;
  estimatedValues: string;
  participation: string;
  registered: string;
  reporting: string;
  silent: string;
  organization: string;
  role: string;
  roles: Record<string, string>;
  alert: string;
  reference: string;
  originator: string;
  category: string;
  unit: string;
  total: string;
  currency: string;
  region: string;
  country: string;
  conveyance: string;
  locationType: string;
  chapter: string;
  phase: string;
  from: string;
  to: string;
  none: string;
  categories: Record<string, string>;
  detectionMethods: Record<string, string>;
  conveyances: Record<string, string>;
  locationTypes: Record<string, string>;
  regions: Record<string, string>;
  outsidePhases: string;
}

const REGION_NAMES_FR: Readonly<Record<RegionCode, string>> = {
  americas: 'Amériques et Caraïbes',
  europe: 'Europe',
  'asia-pacific': 'Asie/Pacifique',
  'east-southern-africa': 'Afrique orientale et australe',
  'west-central-africa': 'Afrique occidentale et centrale',
  mena: 'Afrique du Nord, Proche et Moyen-Orient',
};

const EN: ReportLabels = {
  locale: 'en-GB',
  title: 'End-of-operation report',
  period: 'Period',
  generated: 'Generated',
  status: { planned: 'planned', active: 'active', closed: 'closed' },
  summary: 'Summary',
  seizures: 'Seizures',
  alerts: 'Alerts',
  alertsLeadingToSeizures: 'Alerts that led to seizures',
  withheld: 'Records withheld',
  withheldNote: 'records of the operation you may not read are counted here without any detail',
  byCategory: 'Seizures by strategic category',
  byDetectionMethod: 'Seizures by detection method',
  byPhase: 'Seizures by phase',
  byRegion: 'Seizures by WCO region',
  byCountry: 'Seizures by country',
  byHsChapter: 'Seizures by HS chapter',
  byConveyance: 'Seizures by conveyance',
  byLocationType: 'Seizures by location type',
  quantities: 'Quantities seized',
  estimatedValues: 'Estimated values',
  participation: 'Participation',
  registered: 'Registered',
  reporting: 'Reporting',
  silent: 'Silent',
  organization: 'Organization',
  role: 'Role',
  roles: { coordinator: 'coordinator', participant: 'participant', observer: 'observer' },
  alert: 'Alert',
  reference: 'Reference',
  originator: 'Originator',
  category: 'Category',
  unit: 'Unit',
  total: 'Total',
  currency: 'Currency',
  region: 'Region',
  country: 'Country',
  conveyance: 'Conveyance',
  locationType: 'Location type',
  chapter: 'Chapter',
  phase: 'Phase',
  from: 'From',
  to: 'To',
  none: 'None',
  categories: {
    nuclear: 'Nuclear',
    chemical: 'Chemical',
    biological: 'Biological',
    missile: 'Missile',
    'conventional-arms': 'Conventional arms',
    'dual-use': 'Dual-use',
    other: 'Other',
  },
  detectionMethods: {
    'risk-profiling': 'Risk profiling',
    intelligence: 'Intelligence',
    'random-check': 'Random check',
    'non-intrusive-inspection': 'Non-intrusive inspection',
    'detector-dog': 'Detector dog',
    other: 'Other',
  },
  conveyances: {
    sea: 'Sea',
    air: 'Air',
    road: 'Road',
    rail: 'Rail',
    postal: 'Post',
    express: 'Express courier',
  },
  locationTypes: {
    seaport: 'Seaport',
    airport: 'Airport',
    'land-border': 'Land border',
    inland: 'Inland',
    'postal-centre': 'Postal centre',
    'free-zone': 'Free zone',
  },
  regions: { ...REGION_NAMES, [NON_MEMBER]: 'Not a WCO member' },
  outsidePhases: 'Outside the phases',
};

const FR: ReportLabels = {
  locale: 'fr-FR',
  title: 'Rapport de fin d’opération',
  period: 'Période',
  generated: 'Établi le',
  status: { planned: 'prévue', active: 'en cours', closed: 'close' },
  summary: 'Synthèse',
  seizures: 'Saisies',
  alerts: 'Alertes',
  alertsLeadingToSeizures: 'Alertes ayant conduit à des saisies',
  withheld: 'Enregistrements non communiqués',
  withheldNote:
    'les enregistrements de l’opération que vous ne pouvez pas lire sont comptés ici, sans aucun détail',
  byCategory: 'Saisies par catégorie stratégique',
  byDetectionMethod: 'Saisies par méthode de détection',
  byPhase: 'Saisies par phase',
  byRegion: 'Saisies par région de l’OMD',
  byCountry: 'Saisies par pays',
  byHsChapter: 'Saisies par chapitre du SH',
  byConveyance: 'Saisies par moyen de transport',
  byLocationType: 'Saisies par type de lieu',
  quantities: 'Quantités saisies',
  estimatedValues: 'Valeurs estimées',
  participation: 'Participation',
  registered: 'Inscrits',
  reporting: 'Ayant déclaré',
  silent: 'Sans déclaration',
  organization: 'Organisation',
  role: 'Rôle',
  roles: { coordinator: 'coordinateur', participant: 'participant', observer: 'observateur' },
  alert: 'Alerte',
  reference: 'Référence',
  originator: 'Émetteur',
  category: 'Catégorie',
  unit: 'Unité',
  total: 'Total',
  currency: 'Devise',
  region: 'Région',
  country: 'Pays',
  conveyance: 'Moyen de transport',
  locationType: 'Type de lieu',
  chapter: 'Chapitre',
  phase: 'Phase',
  from: 'Du',
  to: 'Au',
  none: 'Aucune',
  categories: {
    nuclear: 'Nucléaire',
    chemical: 'Chimique',
    biological: 'Biologique',
    missile: 'Missiles',
    'conventional-arms': 'Armes conventionnelles',
    'dual-use': 'Double usage',
    other: 'Autre',
  },
  detectionMethods: {
    'risk-profiling': 'Profilage des risques',
    intelligence: 'Renseignement',
    'random-check': 'Contrôle aléatoire',
    'non-intrusive-inspection': 'Inspection non intrusive',
    'detector-dog': 'Chien détecteur',
    other: 'Autre',
  },
  conveyances: {
    sea: 'Maritime',
    air: 'Aérien',
    road: 'Routier',
    rail: 'Ferroviaire',
    postal: 'Postal',
    express: 'Fret express',
  },
  locationTypes: {
    seaport: 'Port maritime',
    airport: 'Aéroport',
    'land-border': 'Frontière terrestre',
    inland: 'Intérieur',
    'postal-centre': 'Centre postal',
    'free-zone': 'Zone franche',
  },
  regions: { ...REGION_NAMES_FR, [NON_MEMBER]: 'Hors membres de l’OMD' },
  outsidePhases: 'Hors des phases',
};

export const REPORT_LABELS: Readonly<Record<ReportLanguage, ReportLabels>> = { en: EN, fr: FR };

/** A phase's display name: the operation's own, or the translated key of seizures in no phase. */
export function phaseLabel(labels: ReportLabels, key: string): string {
  return key === OUTSIDE_PHASES ? labels.outsidePhases : key;
}
