// The remaining enumerations, transcribed from DOMAIN.md §1 and §4.3.
// This file is `include!`d by `codes.rs`; keep one `coded_enum!` per enumeration.
//
// Labels are DOMAIN.md's, verbatim where the brief gives them (first letter capitalised where the
// brief lists them inline in running text). Where a language is missing, the label is a
// faithful translation, and the enumeration's doc comment says which labels are translated.

// ----------------------------------------------------------------------------------------------
// Partners and partnerships (DOMAIN.md §4.3, §1.3)
// ----------------------------------------------------------------------------------------------

coded_enum! {
    /// How a partnership is carried out: directly with a national partner, bilaterally with a
    /// foreign administration, or multilaterally (DOMAIN.md §4.3).
    PartnershipModality {
        DirectNational = "DIRECT_NATIONAL" { ar: "شراكة مباشرة وطنية", fr: "Partenariat national direct", en: "Direct national" },
        Bilateral = "BILATERAL" { ar: "ثنائية", fr: "Bilatéral", en: "Bilateral" },
        Multilateral = "MULTILATERAL" { ar: "متعددة الأطراف", fr: "Multilatéral", en: "Multilateral" },
    }
}

coded_enum! {
    /// The source's typology of partners; each maps by default to an IATI
    /// [`OrganisationType`] (DOMAIN.md §4.3).
    PartnerCategory {
        PublicLawEntity = "PUBLIC_LAW_ENTITY" { ar: "شخص من أشخاص القانون العام", fr: "Personne morale de droit public", en: "Public-law legal person" },
        PrivateEconomicActor = "PRIVATE_ECONOMIC_ACTOR" { ar: "فاعل اقتصادي خاص", fr: "Acteur économique privé", en: "Private economic actor" },
        SocialCivilSocietyActor = "SOCIAL_CIVIL_SOCIETY_ACTOR" { ar: "فاعل اجتماعي / جمعية", fr: "Acteur social / association", en: "Social actor / CSO" },
        Foundation = "FOUNDATION" { ar: "مؤسسة", fr: "Fondation", en: "Foundation" },
        AcademicInstitution = "ACADEMIC_INSTITUTION" { ar: "مؤسسة جامعية أو بحثية", fr: "Établissement universitaire ou de recherche", en: "Academic or research institution" },
        ForeignAdministration = "FOREIGN_ADMINISTRATION" { ar: "إدارة أجنبية نظيرة", fr: "Administration étrangère homologue", en: "Foreign counterpart administration" },
        InternationalNgo = "INTERNATIONAL_NGO" { ar: "منظمة دولية غير حكومية", fr: "ONG internationale", en: "International NGO" },
        IntergovernmentalOrg = "INTERGOVERNMENTAL_ORG" { ar: "منظمة حكومية دولية", fr: "Organisation intergouvernementale", en: "Intergovernmental organisation" },
        Other = "OTHER" { ar: "أخرى", fr: "Autre", en: "Other" },
    }
}

coded_enum! {
    /// The body of law an organisation is constituted under (DOMAIN.md §4.3).
    LegalNature {
        PublicLaw = "PUBLIC_LAW" { ar: "القانون العام", fr: "Droit public", en: "Public law" },
        PrivateLaw = "PRIVATE_LAW" { ar: "القانون الخاص", fr: "Droit privé", en: "Private law" },
        InternationalLaw = "INTERNATIONAL_LAW" { ar: "القانون الدولي", fr: "Droit international", en: "International law" },
    }
}

coded_enum! {
    /// IATI OrganisationType (non-embedded codelist, DOMAIN.md §1.3); the IATI numeric code is
    /// [`IatiCoded::iati_code`]. English and French are IATI's; the French labels of 11, 24,
    /// 71–73 and 90, which IATI does not give, and all Arabic labels are translated.
    OrganisationType {
        Government = "GOVERNMENT" { ar: "حكومة", fr: "Gouvernement", en: "Government" },
        LocalGovernment = "LOCAL_GOVERNMENT" { ar: "حكومة محلية", fr: "Gouvernement local", en: "Local Government" },
        OtherPublicSector = "OTHER_PUBLIC_SECTOR" { ar: "قطاع عام آخر", fr: "Autre secteur public", en: "Other Public Sector" },
        InternationalNgo = "INTERNATIONAL_NGO" { ar: "منظمة غير حكومية دولية", fr: "ONG internationale", en: "International NGO" },
        NationalNgo = "NATIONAL_NGO" { ar: "منظمة غير حكومية وطنية", fr: "ONG nationale", en: "National NGO" },
        RegionalNgo = "REGIONAL_NGO" { ar: "منظمة غير حكومية إقليمية", fr: "ONG régionale", en: "Regional NGO" },
        PartnerCountryNgo = "PARTNER_COUNTRY_NGO" { ar: "منظمة غير حكومية مقرها في البلد الشريك", fr: "ONG basée dans le pays partenaire", en: "Partner Country based NGO" },
        PublicPrivatePartnership = "PUBLIC_PRIVATE_PARTNERSHIP" { ar: "شراكة بين القطاعين العام والخاص", fr: "Partenariat public-privé", en: "Public Private Partnership" },
        Multilateral = "MULTILATERAL" { ar: "منظمة متعددة الأطراف", fr: "Multilatéral", en: "Multilateral" },
        Foundation = "FOUNDATION" { ar: "مؤسسة", fr: "Fondation", en: "Foundation" },
        PrivateSector = "PRIVATE_SECTOR" { ar: "القطاع الخاص", fr: "Secteur privé", en: "Private Sector" },
        PrivateSectorInProvider = "PRIVATE_SECTOR_IN_PROVIDER" { ar: "القطاع الخاص في البلد المانح", fr: "Secteur privé dans le pays fournisseur", en: "Private Sector in Provider Country" },
        PrivateSectorInRecipient = "PRIVATE_SECTOR_IN_RECIPIENT" { ar: "القطاع الخاص في البلد المستفيد من المساعدة", fr: "Secteur privé dans le pays bénéficiaire de l'aide", en: "Private Sector in Aid Recipient Country" },
        PrivateSectorInThirdCountry = "PRIVATE_SECTOR_IN_THIRD_COUNTRY" { ar: "القطاع الخاص في بلد ثالث", fr: "Secteur privé dans un pays tiers", en: "Private Sector in Third Country" },
        Academic = "ACADEMIC" { ar: "مؤسسات جامعية وتكوين وبحث", fr: "Universitaire, formation et recherche", en: "Academic, Training and Research" },
        Other = "OTHER" { ar: "أخرى", fr: "Autre", en: "Other" },
    }
}

iati_codes!(OrganisationType {
    Government => 10,
    LocalGovernment => 11,
    OtherPublicSector => 15,
    InternationalNgo => 21,
    NationalNgo => 22,
    RegionalNgo => 23,
    PartnerCountryNgo => 24,
    PublicPrivatePartnership => 30,
    Multilateral => 40,
    Foundation => 60,
    PrivateSector => 70,
    PrivateSectorInProvider => 71,
    PrivateSectorInRecipient => 72,
    PrivateSectorInThirdCountry => 73,
    Academic => 80,
    Other => 90,
});

coded_enum! {
    /// The kind of an organisational unit or place: DGAPR's headquarters and regional
    /// directorates, the four facility types of law 10.23 (DOMAIN.md §3.1), centres and partner
    /// premises (DOMAIN.md §4.2, §4.3). English labels of the non-facility types, and all labels of
    /// `PARTNER_PREMISES` and `OTHER`, are translated.
    SiteType {
        Headquarters = "HEADQUARTERS" { ar: "المقر المركزي", fr: "Administration centrale", en: "Headquarters" },
        RegionalDirectorate = "REGIONAL_DIRECTORATE" { ar: "مديرية جهوية", fr: "Direction régionale", en: "Regional directorate" },
        LocalPrison = "LOCAL_PRISON" { ar: "السجن المحلي", fr: "Prison locale", en: "Local prison" },
        CentralPrison = "CENTRAL_PRISON" { ar: "السجن المركزي", fr: "Prison centrale (maison centrale)", en: "Central prison" },
        AgriculturalPrison = "AGRICULTURAL_PRISON" { ar: "السجن الفلاحي", fr: "Prison agricole", en: "Agricultural prison" },
        ReformEducationCentre = "REFORM_EDUCATION_CENTRE" { ar: "مركز الإصلاح والتهذيب", fr: "Centre de réforme et d'éducation", en: "Reform and education centre (juveniles and young adults)" },
        TrainingCentre = "TRAINING_CENTRE" { ar: "مركز التكوين", fr: "Centre de formation", en: "Training centre" },
        PostCareCentre = "POST_CARE_CENTRE" { ar: "مركز الرعاية اللاحقة", fr: "Centre d'accompagnement post-carcéral", en: "Post-care centre" },
        ChildProtectionCentre = "CHILD_PROTECTION_CENTRE" { ar: "مركز حماية الطفولة", fr: "Centre de protection de l'enfance", en: "Child protection centre" },
        PartnerPremises = "PARTNER_PREMISES" { ar: "مقر الشريك", fr: "Locaux du partenaire", en: "Partner premises" },
        Other = "OTHER" { ar: "أخرى", fr: "Autre", en: "Other" },
    }
}

coded_enum! {
    /// Where a site stands in its life (DOMAIN.md §4.2; labels translated, the brief gives codes
    /// only).
    SiteStatus {
        Planned = "PLANNED" { ar: "مبرمج", fr: "Prévu", en: "Planned" },
        UnderConstruction = "UNDER_CONSTRUCTION" { ar: "في طور البناء", fr: "En construction", en: "Under construction" },
        Operational = "OPERATIONAL" { ar: "قيد الاشتغال", fr: "Opérationnel", en: "Operational" },
        Closed = "CLOSED" { ar: "مغلق", fr: "Fermé", en: "Closed" },
    }
}

coded_enum! {
    /// Whether a partnership is alive (DOMAIN.md §4.2; labels translated, the brief gives codes
    /// only).
    PartnershipStatus {
        Active = "ACTIVE" { ar: "نشطة", fr: "Actif", en: "Active" },
        Dormant = "DORMANT" { ar: "خاملة", fr: "En sommeil", en: "Dormant" },
        Ended = "ENDED" { ar: "منتهية", fr: "Terminé", en: "Ended" },
    }
}

coded_enum! {
    /// A partnership theme, from the source (DOMAIN.md §4.3; English labels translated).
    Theme {
        Humanisation = "HUMANISATION" { ar: "أنسنة ظروف الاعتقال", fr: "Humanisation des conditions de détention", en: "Humanisation of detention conditions" },
        Reintegration = "REINTEGRATION" { ar: "إعادة الإدماج", fr: "Réinsertion", en: "Reintegration" },
        CapacityBuilding = "CAPACITY_BUILDING" { ar: "تقوية القدرات", fr: "Renforcement des capacités", en: "Capacity building" },
        EducationTraining = "EDUCATION_TRAINING" { ar: "التعليم والتكوين", fr: "Éducation et formation", en: "Education and training" },
        PrisonLabourAgriculture = "PRISON_LABOUR_AGRICULTURE" { ar: "تشغيل السجناء والفلاحة", fr: "Travail pénitentiaire et agriculture", en: "Prison labour and agriculture" },
        PostCare = "POST_CARE" { ar: "الرعاية اللاحقة", fr: "Accompagnement post-carcéral", en: "Post-release care" },
        AdvocacyOversight = "ADVOCACY_OVERSIGHT" { ar: "اليقظة والاقتراح", fr: "Alerte et force de proposition", en: "Advocacy and oversight" },
        ExpertiseExchange = "EXPERTISE_EXCHANGE" { ar: "تبادل الخبرات", fr: "Échange d'expertise", en: "Expertise exchange" },
        Infrastructure = "INFRASTRUCTURE" { ar: "البنيات التحتية", fr: "Infrastructures", en: "Infrastructure" },
    }
}

// ----------------------------------------------------------------------------------------------
// Agreements (DOMAIN.md §4.3)
// ----------------------------------------------------------------------------------------------

coded_enum! {
    /// The legal form of an agreement (DOMAIN.md §4.3).
    AgreementType {
        FrameworkAgreement = "FRAMEWORK_AGREEMENT" { ar: "اتفاقية إطار", fr: "Convention-cadre", en: "Framework agreement" },
        PartnershipAgreement = "PARTNERSHIP_AGREEMENT" { ar: "اتفاقية شراكة", fr: "Convention de partenariat", en: "Partnership agreement" },
        CooperationAgreement = "COOPERATION_AGREEMENT" { ar: "اتفاقية تعاون", fr: "Convention (accord) de coopération", en: "Cooperation agreement" },
        CooperationProtocol = "COOPERATION_PROTOCOL" { ar: "بروتوكول تعاون", fr: "Protocole de coopération", en: "Cooperation protocol" },
        MemorandumOfUnderstanding = "MEMORANDUM_OF_UNDERSTANDING" { ar: "مذكرة تفاهم", fr: "Mémorandum d'entente", en: "Memorandum of understanding" },
        ImplementingAgreement = "IMPLEMENTING_AGREEMENT" { ar: "اتفاقية خاصة (تطبيقية)", fr: "Convention spécifique (d'application)", en: "Implementing (specific) agreement" },
        TwinningContract = "TWINNING_CONTRACT" { ar: "عقد توأمة", fr: "Contrat de jumelage", en: "Twinning contract" },
        FinancingAgreement = "FINANCING_AGREEMENT" { ar: "اتفاقية تمويل", fr: "Convention de financement", en: "Financing (grant) agreement" },
        ActionPlan = "ACTION_PLAN" { ar: "برنامج عمل", fr: "Plan d'action", en: "Action plan" },
        DeclarationOfIntent = "DECLARATION_OF_INTENT" { ar: "إعلان نوايا", fr: "Déclaration d'intention", en: "Declaration of intent" },
        Amendment = "AMENDMENT" { ar: "ملحق تعديلي", fr: "Avenant", en: "Amendment" },
    }
}

coded_enum! {
    /// Where an agreement stands in its life cycle; `COMPLETED`, `EXPIRED`, `TERMINATED`,
    /// `SUPERSEDED` and `ABANDONED` are terminal (DOMAIN.md §4.3, §4.5).
    AgreementStatus {
        Draft = "DRAFT" { ar: "مشروع", fr: "Projet", en: "Draft" },
        UnderNegotiation = "UNDER_NEGOTIATION" { ar: "قيد التفاوض", fr: "En négociation", en: "Under negotiation" },
        AgreedPendingSignature = "AGREED_PENDING_SIGNATURE" { ar: "جاهزة في انتظار التوقيع", fr: "Finalisée, en attente de signature", en: "Agreed, pending signature" },
        Signed = "SIGNED" { ar: "موقعة", fr: "Signée", en: "Signed (not yet in force)" },
        Active = "ACTIVE" { ar: "سارية المفعول", fr: "En vigueur", en: "Active (in force)" },
        Suspended = "SUSPENDED" { ar: "موقوفة مؤقتا", fr: "Suspendue", en: "Suspended" },
        Completed = "COMPLETED" { ar: "منجزة", fr: "Achevée", en: "Completed" },
        Expired = "EXPIRED" { ar: "منتهية المدة", fr: "Expirée", en: "Expired" },
        Terminated = "TERMINATED" { ar: "مفسوخة", fr: "Résiliée", en: "Terminated" },
        Superseded = "SUPERSEDED" { ar: "معوضة باتفاقية جديدة", fr: "Remplacée", en: "Superseded" },
        Abandoned = "ABANDONED" { ar: "متخلى عنها", fr: "Abandonnée", en: "Abandoned (never signed)" },
    }
}

coded_enum! {
    /// The part an organisation plays in an agreement; wider than IATI's
    /// [`OrganisationRole`] (DOMAIN.md §4.3).
    AgreementPartyRole {
        Signatory = "SIGNATORY" { ar: "طرف موقع", fr: "Signataire", en: "Signatory" },
        CoSignatory = "CO_SIGNATORY" { ar: "طرف مشارك في التوقيع", fr: "Cosignataire", en: "Co-signatory" },
        Witness = "WITNESS" { ar: "شاهد", fr: "Témoin", en: "Witness" },
        Funder = "FUNDER" { ar: "ممول", fr: "Bailleur", en: "Funder" },
        Implementer = "IMPLEMENTER" { ar: "منفذ", fr: "Opérateur de mise en œuvre", en: "Implementer" },
        Beneficiary = "BENEFICIARY" { ar: "مستفيد", fr: "Bénéficiaire", en: "Beneficiary" },
        TechnicalPartner = "TECHNICAL_PARTNER" { ar: "شريك تقني", fr: "Partenaire technique", en: "Technical partner" },
    }
}

coded_enum! {
    /// What one party undertakes to do under an agreement (DOMAIN.md §4.3).
    CommitmentKind {
        Funding = "FUNDING" { ar: "التمويل", fr: "Financement", en: "Funding" },
        InKindProvision = "IN_KIND_PROVISION" { ar: "توفير وسائل عينية", fr: "Apport en nature", en: "In-kind provision" },
        Expertise = "EXPERTISE" { ar: "تقديم الخبرة", fr: "Expertise / assistance technique", en: "Expertise / technical assistance" },
        TrainingDelivery = "TRAINING_DELIVERY" { ar: "تأطير التكوين", fr: "Réalisation de formations", en: "Training delivery" },
        FacilityAccess = "FACILITY_ACCESS" { ar: "تيسير الولوج إلى المؤسسات", fr: "Accès aux établissements", en: "Facility access" },
        StaffSecondment = "STAFF_SECONDMENT" { ar: "وضع موارد بشرية رهن الإشارة", fr: "Mise à disposition de personnel", en: "Staff secondment" },
        Studies = "STUDIES" { ar: "إنجاز الدراسات", fr: "Réalisation d'études", en: "Studies / surveys" },
        Works = "WORKS" { ar: "إنجاز الأشغال", fr: "Réalisation de travaux", en: "Works" },
        Coordination = "COORDINATION" { ar: "التنسيق والتتبع", fr: "Coordination et suivi", en: "Coordination and monitoring" },
        Reporting = "REPORTING" { ar: "إعداد التقارير", fr: "Reporting", en: "Reporting" },
        Other = "OTHER" { ar: "أخرى", fr: "Autre", en: "Other" },
    }
}

coded_enum! {
    /// How far a commitment has been honoured; "overdue" is computed, not stored
    /// (DOMAIN.md §4.3, §4.5).
    CommitmentStatus {
        Planned = "PLANNED" { ar: "مبرمج", fr: "Prévu", en: "Planned" },
        InProgress = "IN_PROGRESS" { ar: "في طور الإنجاز", fr: "En cours", en: "In progress" },
        Fulfilled = "FULFILLED" { ar: "منجز", fr: "Honoré", en: "Fulfilled" },
        PartiallyFulfilled = "PARTIALLY_FULFILLED" { ar: "منجز جزئيا", fr: "Partiellement honoré", en: "Partially fulfilled" },
        NotFulfilled = "NOT_FULFILLED" { ar: "غير منجز", fr: "Non honoré", en: "Not fulfilled" },
        Waived = "WAIVED" { ar: "ملغى بالتراضي", fr: "Levé d'un commun accord", en: "Waived" },
    }
}

// ----------------------------------------------------------------------------------------------
// Projects and contributions (DOMAIN.md §1.2, §4.3)
// ----------------------------------------------------------------------------------------------

coded_enum! {
    /// IATI ActivityStatus, the status of a project (DOMAIN.md §1.2, "ProjectStatus = IATI
    /// ActivityStatus" in §4.3); the IATI numeric code is [`IatiCoded::iati_code`].
    ActivityStatus {
        Pipeline = "PIPELINE" { ar: "في طور التحديد والبرمجة", fr: "Planification", en: "Pipeline/identification" },
        Implementation = "IMPLEMENTATION" { ar: "في طور التنفيذ", fr: "Actif", en: "Implementation" },
        Finalisation = "FINALISATION" { ar: "في طور الإنهاء", fr: "Finalisation", en: "Finalisation" },
        Closed = "CLOSED" { ar: "مغلق", fr: "Fermé", en: "Closed" },
        Cancelled = "CANCELLED" { ar: "ملغى", fr: "Annulé", en: "Cancelled" },
        Suspended = "SUSPENDED" { ar: "موقوف", fr: "Suspendu", en: "Suspended" },
    }
}

iati_codes!(ActivityStatus {
    Pipeline => 1,
    Implementation => 2,
    Finalisation => 3,
    Closed => 4,
    Cancelled => 5,
    Suspended => 6,
});

coded_enum! {
    /// IATI OrganisationRole, an organisation's role on a project (`participating-org/@role`,
    /// DOMAIN.md §1.2); the IATI numeric code is [`IatiCoded::iati_code`]. English and French are
    /// IATI's; Arabic labels are translated.
    OrganisationRole {
        Funding = "FUNDING" { ar: "التمويل", fr: "Financement", en: "Funding" },
        Accountable = "ACCOUNTABLE" { ar: "المسؤولية", fr: "Responsabilité", en: "Accountable" },
        Extending = "EXTENDING" { ar: "المنح", fr: "Octroi", en: "Extending" },
        Implementing = "IMPLEMENTING" { ar: "التنفيذ", fr: "Mise en œuvre", en: "Implementing" },
    }
}

iati_codes!(OrganisationRole {
    Funding => 1,
    Accountable => 2,
    Extending => 3,
    Implementing => 4,
});

coded_enum! {
    /// The kind of resource a contribution brings, cash or not (DOMAIN.md §4.3).
    ContributionType {
        Cash = "CASH" { ar: "مساهمة مالية", fr: "Contribution financière", en: "Cash" },
        InKindGoods = "IN_KIND_GOODS" { ar: "مساهمة عينية (تجهيزات ومعدات)", fr: "Apport en nature (biens, équipements)", en: "In-kind goods" },
        InKindServices = "IN_KIND_SERVICES" { ar: "خدمات عينية", fr: "Services en nature", en: "In-kind services" },
        Expertise = "EXPERTISE" { ar: "خبرة ومساعدة تقنية", fr: "Expertise, assistance technique", en: "Expertise / technical assistance" },
        Training = "TRAINING" { ar: "تكوين", fr: "Formation", en: "Training" },
        Facilities = "FACILITIES" { ar: "فضاءات ومقرات", fr: "Locaux, terrains", en: "Premises / land" },
        StaffTime = "STAFF_TIME" { ar: "موارد بشرية", fr: "Temps de personnel", en: "Staff time" },
        Other = "OTHER" { ar: "أخرى", fr: "Autre", en: "Other" },
    }
}

coded_enum! {
    /// The stage of a contribution, aligned with IATI transaction stages: pledged (IATI 12/13),
    /// committed (2/11), delivered (1/3/4 for cash) (DOMAIN.md §4.3).
    ContributionStatus {
        Pledged = "PLEDGED" { ar: "وعد", fr: "Promesse", en: "Pledged" },
        Committed = "COMMITTED" { ar: "التزام", fr: "Engagement", en: "Committed" },
        Delivered = "DELIVERED" { ar: "منفذ", fr: "Réalisé", en: "Delivered" },
        PartiallyDelivered = "PARTIALLY_DELIVERED" { ar: "منفذ جزئيا", fr: "Partiellement réalisé", en: "Partially delivered" },
        Cancelled = "CANCELLED" { ar: "ملغى", fr: "Annulé", en: "Cancelled" },
    }
}

// ----------------------------------------------------------------------------------------------
// Training (DOMAIN.md §4.3)
// ----------------------------------------------------------------------------------------------

coded_enum! {
    /// Who a training session is for (DOMAIN.md §4.3).
    TrainingAudience {
        Staff = "STAFF" { ar: "موظفو المندوبية", fr: "Personnel de la DGAPR", en: "DGAPR staff" },
        StaffTrainers = "STAFF_TRAINERS" { ar: "المكونون", fr: "Formateurs", en: "Trainers (training of trainers)" },
        PrisonersAdult = "PRISONERS_ADULT" { ar: "السجناء الراشدون", fr: "Détenus adultes", en: "Adult prisoners" },
        PrisonersJuvenile = "PRISONERS_JUVENILE" { ar: "السجناء الأحداث (مراكز الإصلاح والتهذيب)", fr: "Détenus mineurs et jeunes (centres de réforme)", en: "Juvenile and young prisoners (reform centres)" },
        JuvenilesChildProtection = "JUVENILES_CHILD_PROTECTION" { ar: "نزلاء مراكز حماية الطفولة", fr: "Pensionnaires des centres de protection de l'enfance", en: "Juveniles in child-protection centres" },
        FormerPrisoners = "FORMER_PRISONERS" { ar: "السجناء السابقون (الرعاية اللاحقة)", fr: "Anciens détenus (post-carcéral)", en: "Former prisoners (post-care)" },
        Families = "FAMILIES" { ar: "أسر السجناء", fr: "Familles de détenus", en: "Prisoners' families" },
        PartnerStaff = "PARTNER_STAFF" { ar: "أطر الشركاء والجمعيات", fr: "Personnel des partenaires / associations", en: "Partner or CSO staff" },
        JusticeActors = "JUSTICE_ACTORS" { ar: "فاعلو العدالة", fr: "Acteurs de la justice", en: "Justice actors" },
        Mixed = "MIXED" { ar: "فئات مختلطة", fr: "Public mixte", en: "Mixed" },
    }
}

coded_enum! {
    /// The staff category a staff training targets (DOMAIN.md §4.3; English labels translated).
    StaffCategory {
        Management = "MANAGEMENT" { ar: "أطر التسيير", fr: "Encadrement", en: "Management" },
        Security = "SECURITY" { ar: "الأمن والحراسة", fr: "Sécurité et surveillance", en: "Security and custody" },
        ReintegrationSocial = "REINTEGRATION_SOCIAL" { ar: "الإدماج والعمل الاجتماعي", fr: "Réinsertion et action sociale", en: "Reintegration and social work" },
        Health = "HEALTH" { ar: "الصحة", fr: "Santé", en: "Health" },
        AdminFinance = "ADMIN_FINANCE" { ar: "الإدارة والمالية", fr: "Administration et finances", en: "Administration and finance" },
        Registry = "REGISTRY" { ar: "الضبط القضائي", fr: "Greffe", en: "Registry" },
        Training = "TRAINING" { ar: "التكوين", fr: "Formation", en: "Training" },
        Technical = "TECHNICAL" { ar: "التقنيون", fr: "Technique", en: "Technical" },
    }
}

coded_enum! {
    /// A subject a training session covers; a session carries several (DOMAIN.md §4.3).
    TrainingTopic {
        JudicialRegistryOrControl = "JUDICIAL_REGISTRY_OR_CONTROL" { ar: "الضبط/المراقبة القضائية (يُتحقق منه)", fr: "Greffe / contrôle judiciaire (à vérifier)", en: "Judicial registry / control (to be checked)" },
        HrManagement = "HR_MANAGEMENT" { ar: "تدبير الموارد البشرية", fr: "Gestion des ressources humaines", en: "HR management" },
        BudgetManagement = "BUDGET_MANAGEMENT" { ar: "التدبير المالي والميزانياتي", fr: "Gestion budgétaire", en: "Budget management" },
        HumanRightsStandards = "HUMAN_RIGHTS_STANDARDS" { ar: "معايير حقوق الإنسان", fr: "Normes des droits humains", en: "Human-rights standards" },
        SecurityCrisis = "SECURITY_CRISIS" { ar: "الأمن وتدبير الأزمات", fr: "Sécurité et gestion de crise", en: "Security and crisis management" },
        Classification = "CLASSIFICATION" { ar: "تصنيف السجناء", fr: "Classification des détenus", en: "Prisoner classification" },
        Health = "HEALTH" { ar: "الصحة", fr: "Santé", en: "Health" },
        LiteracyEducation = "LITERACY_EDUCATION" { ar: "محو الأمية والتعليم", fr: "Alphabétisation et enseignement", en: "Literacy and education" },
        Vocational = "VOCATIONAL" { ar: "التكوين المهني", fr: "Formation professionnelle", en: "Vocational training" },
        Agriculture = "AGRICULTURE" { ar: "الفلاحة", fr: "Agriculture", en: "Agriculture" },
        Entrepreneurship = "ENTREPRENEURSHIP" { ar: "المقاولة الذاتية والمشاريع الصغرى", fr: "Entrepreneuriat, micro-projets", en: "Entrepreneurship / micro-projects" },
        CultureSport = "CULTURE_SPORT" { ar: "الأنشطة الثقافية والرياضية", fr: "Activités culturelles et sportives", en: "Culture and sport" },
        JuvenileJustice = "JUVENILE_JUSTICE" { ar: "عدالة الأحداث", fr: "Justice des mineurs", en: "Juvenile justice" },
        WomenInDetention = "WOMEN_IN_DETENTION" { ar: "النساء في وضعية اعتقال", fr: "Femmes détenues", en: "Women in detention" },
        AlternativeSanctions = "ALTERNATIVE_SANCTIONS" { ar: "العقوبات البديلة", fr: "Peines alternatives", en: "Alternative sanctions" },
        PveDisengagement = "PVE_DISENGAGEMENT" { ar: "الوقاية من التطرف العنيف", fr: "Prévention de l'extrémisme violent", en: "Preventing violent extremism" },
        PostRelease = "POST_RELEASE" { ar: "الإعداد لما بعد الإفراج", fr: "Préparation à la sortie", en: "Preparation for release" },
    }
}

coded_enum! {
    /// How a training session is delivered (DOMAIN.md §4.3; English labels translated).
    DeliveryMode {
        InPerson = "IN_PERSON" { ar: "حضوري", fr: "Présentiel", en: "In person" },
        Remote = "REMOTE" { ar: "عن بعد", fr: "À distance", en: "Remote" },
        Blended = "BLENDED" { ar: "مختلط", fr: "Hybride", en: "Blended" },
    }
}

coded_enum! {
    /// Where a training session stands; `VALIDATED` locks it (DOMAIN.md §4.3, §4.5; English
    /// labels translated).
    TrainingStatus {
        Planned = "PLANNED" { ar: "مبرمجة", fr: "Planifiée", en: "Planned" },
        Confirmed = "CONFIRMED" { ar: "مؤكدة", fr: "Confirmée", en: "Confirmed" },
        InProgress = "IN_PROGRESS" { ar: "جارية", fr: "En cours", en: "In progress" },
        Delivered = "DELIVERED" { ar: "منجزة", fr: "Réalisée", en: "Delivered" },
        Validated = "VALIDATED" { ar: "مصادق عليها", fr: "Validée", en: "Validated" },
        Postponed = "POSTPONED" { ar: "مؤجلة", fr: "Reportée", en: "Postponed" },
        Cancelled = "CANCELLED" { ar: "ملغاة", fr: "Annulée", en: "Cancelled" },
    }
}

coded_enum! {
    /// Sex, for aggregate participant tallies only; no individual is recorded (DOMAIN.md §4.3).
    Sex {
        Female = "FEMALE" { ar: "إناث", fr: "Femmes", en: "Female" },
        Male = "MALE" { ar: "ذكور", fr: "Hommes", en: "Male" },
        NotRecorded = "NOT_RECORDED" { ar: "غير محدد", fr: "Non renseigné", en: "Not recorded" },
    }
}

coded_enum! {
    /// Age band of participant tallies, for juveniles; reform centres also hold young adults
    /// (DOMAIN.md §4.3; English labels translated).
    AgeBand {
        Under18 = "UNDER_18" { ar: "أقل من 18 سنة", fr: "Moins de 18 ans", en: "Under 18" },
        Age18To20 = "AGE_18_20" { ar: "18–20 سنة", fr: "18–20 ans", en: "18–20 years" },
        Adult = "ADULT" { ar: "راشد", fr: "Adulte", en: "Adult" },
    }
}

// ----------------------------------------------------------------------------------------------
// Exchange visits (DOMAIN.md §4.3)
// ----------------------------------------------------------------------------------------------

coded_enum! {
    /// Whether a delegation comes to Morocco or goes abroad (DOMAIN.md §4.3).
    VisitDirection {
        Inbound = "INBOUND" { ar: "زيارة وافدة إلى المغرب", fr: "Visite entrante", en: "Inbound" },
        Outbound = "OUTBOUND" { ar: "زيارة إلى الخارج", fr: "Visite sortante", en: "Outbound" },
    }
}

coded_enum! {
    /// The purpose of an exchange visit (DOMAIN.md §4.3; English labels translated).
    VisitType {
        StudyVisit = "STUDY_VISIT" { ar: "زيارة دراسية", fr: "Visite d'étude", en: "Study visit" },
        ExpertMission = "EXPERT_MISSION" { ar: "مهمة خبرة", fr: "Mission d'expertise", en: "Expert mission" },
        Assessment = "ASSESSMENT" { ar: "تقييم", fr: "Évaluation", en: "Assessment" },
        Conference = "CONFERENCE" { ar: "مؤتمر", fr: "Conférence", en: "Conference" },
        PeerExchange = "PEER_EXCHANGE" { ar: "تبادل التجارب", fr: "Échange d'expériences", en: "Peer exchange" },
    }
}

coded_enum! {
    /// Where an exchange visit stands (DOMAIN.md §4.3, §4.5; English labels translated).
    VisitStatus {
        Proposed = "PROPOSED" { ar: "مقترحة", fr: "Proposée", en: "Proposed" },
        Approved = "APPROVED" { ar: "موافق عليها", fr: "Approuvée", en: "Approved" },
        Scheduled = "SCHEDULED" { ar: "مبرمجة", fr: "Programmée", en: "Scheduled" },
        Completed = "COMPLETED" { ar: "منجزة", fr: "Réalisée", en: "Completed" },
        Reported = "REPORTED" { ar: "تم إعداد تقريرها", fr: "Rapport remis", en: "Reported" },
        Cancelled = "CANCELLED" { ar: "ملغاة", fr: "Annulée", en: "Cancelled" },
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use crate::lang::Lang;
    use std::collections::HashSet;

    /// Checks one enumeration: every code round-trips through `Coded::parse`, `FromStr` and
    /// `Display`, codes are unique and `SCREAMING_SNAKE`, and every label is non-empty, trimmed
    /// and unique within its language.
    fn check_table<
        T: Coded + PartialEq + std::fmt::Debug + std::fmt::Display + std::str::FromStr,
    >() {
        assert!(!T::ALL.is_empty(), "{} has no values", T::NAME);
        let mut codes = HashSet::new();
        for &v in T::ALL {
            let code = v.code();
            assert!(codes.insert(code), "{}: duplicate code {code}", T::NAME);
            assert!(
                !code.is_empty()
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                    && !code.starts_with('_')
                    && !code.ends_with('_'),
                "{}: `{code}` is not SCREAMING_SNAKE",
                T::NAME
            );
            assert_eq!(
                T::parse(code),
                Ok(v),
                "{}: `{code}` does not round-trip",
                T::NAME
            );
            assert_eq!(v.to_string(), code, "{}: Display is not the code", T::NAME);
            assert!(
                matches!(code.parse::<T>(), Ok(p) if p == v),
                "{}: FromStr `{code}`",
                T::NAME
            );
        }
        for lang in Lang::ALL {
            let mut labels = HashSet::new();
            for &v in T::ALL {
                let label = v.label(lang);
                assert!(
                    !label.is_empty(),
                    "{}::{v:?} has no {lang:?} label",
                    T::NAME
                );
                assert_eq!(
                    label,
                    label.trim(),
                    "{}::{v:?}: untrimmed {lang:?} label",
                    T::NAME
                );
                assert!(
                    labels.insert(label),
                    "{}: duplicate {lang:?} label `{label}`",
                    T::NAME
                );
            }
        }
        let err = T::parse("NOT_A_CODE").expect_err("a made-up code parses");
        assert_eq!(err.enumeration, T::NAME);
        assert!(
            T::parse(&T::ALL[0].code().to_lowercase()).is_err(),
            "{}: codes are case-sensitive",
            T::NAME
        );
    }

    /// Checks an IATI-coded enumeration: IATI codes are unique and round-trip.
    fn check_iati<T: IatiCoded + PartialEq + std::fmt::Debug>() {
        let mut nums = HashSet::new();
        for &v in T::ALL {
            let n = v.iati_code();
            assert!(nums.insert(n), "{}: duplicate IATI code {n}", T::NAME);
            assert_eq!(
                T::from_iati_code(n),
                Ok(v),
                "{}: IATI code {n} does not round-trip",
                T::NAME
            );
        }
        assert!(T::from_iati_code(-1).is_err());
        assert!(T::from_iati_code(999).is_err());
    }

    macro_rules! table_tests {
        ($($name:ident),+ $(,)?) => {
            $(
                #[test]
                #[allow(non_snake_case)]
                fn $name() {
                    check_table::<super::$name>();
                }
            )+
        };
    }

    table_tests!(
        PartnershipScope,
        PartnershipModality,
        PartnerCategory,
        LegalNature,
        OrganisationType,
        SiteType,
        SiteStatus,
        PartnershipStatus,
        Theme,
        AgreementType,
        AgreementStatus,
        AgreementPartyRole,
        CommitmentKind,
        CommitmentStatus,
        ActivityStatus,
        OrganisationRole,
        ContributionType,
        ContributionStatus,
        TrainingAudience,
        StaffCategory,
        TrainingTopic,
        DeliveryMode,
        TrainingStatus,
        Sex,
        AgeBand,
        VisitDirection,
        ResultType,
        IndicatorMeasure,
        DisaggregationDimension,
        VisitType,
        VisitStatus,
    );

    #[test]
    fn iati_codes_round_trip() {
        check_iati::<OrganisationType>();
        check_iati::<ActivityStatus>();
        check_iati::<OrganisationRole>();
    }

    #[test]
    fn iati_codes_match_the_codelists() {
        let org_types: Vec<i32> = OrganisationType::ALL
            .iter()
            .map(|t| t.iati_code())
            .collect();
        assert_eq!(
            org_types,
            [
                10, 11, 15, 21, 22, 23, 24, 30, 40, 60, 70, 71, 72, 73, 80, 90
            ]
        );
        let statuses: Vec<i32> = ActivityStatus::ALL.iter().map(|s| s.iati_code()).collect();
        assert_eq!(statuses, [1, 2, 3, 4, 5, 6]);
        let roles: Vec<i32> = OrganisationRole::ALL
            .iter()
            .map(|r| r.iati_code())
            .collect();
        assert_eq!(roles, [1, 2, 3, 4]);
        assert_eq!(
            OrganisationType::from_iati_code(80),
            Ok(OrganisationType::Academic)
        );
        assert_eq!(
            ActivityStatus::from_iati_code(3),
            Ok(ActivityStatus::Finalisation)
        );
        assert_eq!(
            OrganisationRole::from_iati_code(4),
            Ok(OrganisationRole::Implementing)
        );
    }

    #[test]
    fn special_codes() {
        assert_eq!(AgeBand::Under18.code(), "UNDER_18");
        assert_eq!(AgeBand::Age18To20.code(), "AGE_18_20");
        assert_eq!(
            TrainingTopic::JudicialRegistryOrControl.code(),
            "JUDICIAL_REGISTRY_OR_CONTROL"
        );
        assert_eq!(TrainingTopic::HrManagement.code(), "HR_MANAGEMENT");
        assert_eq!(TrainingTopic::PveDisengagement.code(), "PVE_DISENGAGEMENT");
        assert_eq!(
            PartnershipModality::DirectNational.code(),
            "DIRECT_NATIONAL"
        );
    }

    #[test]
    fn labels_match_domain_md() {
        assert_eq!(
            AgreementStatus::AgreedPendingSignature.label(Lang::Ar),
            "جاهزة في انتظار التوقيع"
        );
        assert_eq!(
            AgreementStatus::AgreedPendingSignature.label(Lang::Fr),
            "Finalisée, en attente de signature"
        );
        assert_eq!(
            AgreementStatus::AgreedPendingSignature.label(Lang::En),
            "Agreed, pending signature"
        );
        assert_eq!(
            AgreementType::MemorandumOfUnderstanding.label(Lang::Ar),
            "مذكرة تفاهم"
        );
        assert_eq!(AgreementType::Amendment.label(Lang::Fr), "Avenant");
        assert_eq!(
            PartnerCategory::PublicLawEntity.label(Lang::Ar),
            "شخص من أشخاص القانون العام"
        );
        assert_eq!(
            ActivityStatus::Pipeline.label(Lang::Ar),
            "في طور التحديد والبرمجة"
        );
        assert_eq!(ActivityStatus::Implementation.label(Lang::Fr), "Actif");
        assert_eq!(
            ActivityStatus::Pipeline.label(Lang::En),
            "Pipeline/identification"
        );
        assert_eq!(
            OrganisationRole::Implementing.label(Lang::Fr),
            "Mise en œuvre"
        );
        assert_eq!(
            OrganisationType::Academic.label(Lang::Fr),
            "Universitaire, formation et recherche"
        );
        assert_eq!(
            SiteType::ReformEducationCentre.label(Lang::Ar),
            "مركز الإصلاح والتهذيب"
        );
        assert_eq!(
            TrainingAudience::PrisonersJuvenile.label(Lang::Ar),
            "السجناء الأحداث (مراكز الإصلاح والتهذيب)"
        );
        assert_eq!(
            TrainingTopic::PveDisengagement.label(Lang::Fr),
            "Prévention de l'extrémisme violent"
        );
        assert_eq!(Theme::Humanisation.label(Lang::Ar), "أنسنة ظروف الاعتقال");
        assert_eq!(CommitmentStatus::Waived.label(Lang::Ar), "ملغى بالتراضي");
        assert_eq!(VisitStatus::Reported.label(Lang::Ar), "تم إعداد تقريرها");
        assert_eq!(VisitStatus::Reported.label(Lang::Fr), "Rapport remis");
    }
}

coded_enum! {
    /// What a principal may read and change (issue 4). Scopes (regions, an organisation) narrow
    /// the regional officer's writes and the partner's reads.
    Role {
        Admin = "ADMIN" { ar: "مدير النظام", fr: "Administrateur", en: "Administrator" },
        Editor = "EDITOR" { ar: "محرر (المصالح المركزية)", fr: "Éditeur (administration centrale)", en: "Editor (headquarters)" },
        RegionalOfficer = "REGIONAL_OFFICER" { ar: "مسؤول جهوي", fr: "Responsable régional", en: "Regional officer" },
        Partner = "PARTNER" { ar: "شريك", fr: "Partenaire", en: "Partner" },
        Viewer = "VIEWER" { ar: "مطلع", fr: "Lecteur", en: "Viewer" },
        Public = "PUBLIC" { ar: "العموم", fr: "Public", en: "Public" },
    }
}

// ----------------------------------------------------------------------------------------------
// Results and indicators (issue 5, IATI 2.03 result model)
// ----------------------------------------------------------------------------------------------

coded_enum! {
    /// IATI ResultType: what level of the results chain a project result sits at; the IATI
    /// numeric code is [`IatiCoded::iati_code`]. English labels are IATI's; French and Arabic are
    /// translated.
    ResultType {
        Output = "OUTPUT" { ar: "مخرجات", fr: "Extrant", en: "Output" },
        Outcome = "OUTCOME" { ar: "نتيجة", fr: "Effet", en: "Outcome" },
        Impact = "IMPACT" { ar: "أثر", fr: "Impact", en: "Impact" },
        Other = "OTHER" { ar: "أخرى", fr: "Autre", en: "Other" },
    }
}

iati_codes!(ResultType {
    Output => 1,
    Outcome => 2,
    Impact => 3,
    Other => 9,
});

coded_enum! {
    /// IATI IndicatorMeasure: how an indicator's values are expressed; the IATI numeric code is
    /// [`IatiCoded::iati_code`]. English labels are IATI's; French and Arabic are translated.
    IndicatorMeasure {
        Unit = "UNIT" { ar: "وحدة", fr: "Unité", en: "Unit" },
        Percentage = "PERCENTAGE" { ar: "نسبة مئوية", fr: "Pourcentage", en: "Percentage" },
        Nominal = "NOMINAL" { ar: "اسمي", fr: "Nominal", en: "Nominal" },
        Ordinal = "ORDINAL" { ar: "ترتيبي", fr: "Ordinal", en: "Ordinal" },
        Qualitative = "QUALITATIVE" { ar: "نوعي", fr: "Qualitatif", en: "Qualitative" },
    }
}

iati_codes!(IndicatorMeasure {
    Unit => 1,
    Percentage => 2,
    Nominal => 3,
    Ordinal => 4,
    Qualitative => 5,
});

coded_enum! {
    /// The dimension a target or actual value is broken down by; its values are the codes of
    /// [`Sex`], [`TrainingAudience`] and the region codes `MA-01` … `MA-12`. Labels translated.
    DisaggregationDimension {
        Sex = "SEX" { ar: "الجنس", fr: "Sexe", en: "Sex" },
        Audience = "AUDIENCE" { ar: "الفئة المستهدفة", fr: "Public cible", en: "Audience" },
        Region = "REGION" { ar: "الجهة", fr: "Région", en: "Region" },
    }
}

#[cfg(test)]
mod result_code_tests {
    use super::*;

    #[test]
    fn result_codes_carry_iati_numbers() {
        assert_eq!(ResultType::Other.iati_code(), 9);
        assert_eq!(ResultType::from_iati_code(2), Ok(ResultType::Outcome));
        assert_eq!(IndicatorMeasure::Qualitative.iati_code(), 5);
        assert_eq!(
            IndicatorMeasure::from_iati_code(2),
            Ok(IndicatorMeasure::Percentage)
        );
        assert!(ResultType::from_iati_code(4).is_err());
        for lang in Lang::ALL {
            assert!(!DisaggregationDimension::Region.label(lang).is_empty());
        }
        assert_eq!(DisaggregationDimension::parse("SEX"), Ok(DisaggregationDimension::Sex));
    }
}
